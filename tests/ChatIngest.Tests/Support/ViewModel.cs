using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatIngest.Core.Warehouse;

namespace ChatIngest.Tests.Support;

/// <summary>One message as published: its JSON text, Pub/Sub id and publish time.</summary>
public sealed record PublishedMessage(string Json, string MessageId, DateTime PublishTime);

/// <summary>
/// VIEW.md written out a second time, in plain C# over parsed JSON, independent of the product's SQL and classifier:
/// the tests compare the service's view with what this computes from the same input. Valid input is assumed.
/// </summary>
public static class ViewModel
{
    private sealed record Chat(long OrderId, string Role, DateTime SentAt, bool Flag, string Stage, PublishedMessage Source);

    public static Dictionary<long, ConversationRow> Compute(IEnumerable<PublishedMessage> messages)
    {
        // Equal JSON objects are one message, counted with its first publication.
        var distinct = messages
            .GroupBy(m => Canonical(JsonNode.Parse(m.Json)))
            .Select(g => g.OrderBy(m => m.PublishTime).ThenBy(m => m.MessageId, MessageIdOrder.Instance).First())
            .ToList();

        var cities = new Dictionary<long, string>();
        foreach (var order in distinct.Where(m => !IsChat(m))
                     .OrderBy(m => m.PublishTime).ThenBy(m => m.MessageId, MessageIdOrder.Instance))
        {
            var node = JsonNode.Parse(order.Json)!;
            cities.TryAdd(Integer(node["orderId"]), node["cityCode"]!.GetValue<string>());
        }

        var chats = distinct.Where(IsChat).Select(ToChat).ToList();
        return chats.GroupBy(c => c.OrderId).ToDictionary(g => g.Key, g => Row(g.Key, g.ToList(), cities));
    }

    private static ConversationRow Row(long orderId, List<Chat> chats, Dictionary<long, string> cities)
    {
        var courier = chats.Where(c => c.Role == "Courier").ToList();
        var customer = chats.Where(c => c.Role == "Customer").ToList();
        var start = chats.Min(c => c.SentAt);
        var atStart = chats.Where(c => c.SentAt == start).ToList();
        string firstBy;
        if (atStart.All(c => c.Role == "Courier"))
        {
            firstBy = "Courier";
        }
        else if (atStart.All(c => c.Role == "Customer"))
        {
            firstBy = "Customer";
        }
        else
        {
            var flaggedRoles = atStart.Where(c => c.Flag).Select(c => c.Role).Distinct().ToList();
            firstBy = flaggedRoles is ["Customer"] ? "Customer" : "Courier";
        }

        var others = firstBy == "Courier" ? customer : courier;
        long? delay = others.Count == 0 ? null : (long)Math.Floor((others.Min(c => c.SentAt) - start).TotalSeconds);
        var last = chats
            .OrderByDescending(c => c.SentAt)
            .ThenByDescending(c => c.Source.PublishTime)
            .ThenByDescending(c => c.Source.MessageId, MessageIdOrder.Instance)
            .First();

        return new ConversationRow(
            orderId,
            cities.GetValueOrDefault(orderId),
            courier.Count == 0 ? null : courier.Min(c => c.SentAt),
            customer.Count == 0 ? null : customer.Min(c => c.SentAt),
            courier.Count,
            customer.Count,
            firstBy,
            start,
            delay,
            chats.Max(c => c.SentAt),
            last.Stage);
    }

    /// <summary>What makes two messages the same message (VIEW.md's duplicates): equal JSON objects, numbers by value.</summary>
    public static string SameMessageKey(string json) => Canonical(JsonNode.Parse(json));

    public static bool IsChat(PublishedMessage m) => JsonNode.Parse(m.Json)!["senderAppType"] is not null;

    private static Chat ToChat(PublishedMessage m)
    {
        var node = JsonNode.Parse(m.Json)!;
        var sender = node["senderAppType"]!.GetValue<string>();
        var role = sender.StartsWith("courier", StringComparison.OrdinalIgnoreCase) ? "Courier" : "Customer";
        var sent = DateTimeOffset.Parse(node["messageSentTime"]!.GetValue<string>(), CultureInfo.InvariantCulture).UtcDateTime;
        sent = new DateTime(sent.Ticks - (sent.Ticks % 10), DateTimeKind.Utc); // the warehouse keeps microseconds
        return new Chat(Integer(node["orderId"]), role, sent, node["chatStartedByMessage"]!.GetValue<bool>(),
            node["orderStage"]!.GetValue<string>(), m);
    }

    /// <summary>An integer field's value however it is written (7, 7.0, 7e0): JSON has one number type.</summary>
    private static long Integer(JsonNode? node) => (long)JsonNumberValue.Parse(node!.ToJsonString()).WholeValue!.Value;

    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => JsonSerializer.Serialize(p.Key) + ":" + Canonical(p.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => JsonNumberValue.Parse(v.ToJsonString()).ToString(), // equal by value
        _ => node.ToJsonString(),
    };

    /// <summary>
    /// Message ids compare as numbers when both are numeric, else as strings (VIEW.md); all-digit ids before the rest,
    /// as the pairwise rule alone is no total order, and the ids as strings when equal as numbers.
    /// </summary>
    public sealed class MessageIdOrder : IComparer<string>
    {
        public static readonly MessageIdOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            var xIsNumber = System.Numerics.BigInteger.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var a);
            var yIsNumber = System.Numerics.BigInteger.TryParse(y, NumberStyles.None, CultureInfo.InvariantCulture, out var b);
            if (xIsNumber != yIsNumber)
            {
                return xIsNumber ? -1 : 1;
            }

            var byValue = xIsNumber ? a.CompareTo(b) : 0;
            return byValue != 0 ? byValue : string.CompareOrdinal(x, y);
        }
    }
}
