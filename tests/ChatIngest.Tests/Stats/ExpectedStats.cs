using System.Globalization;
using System.Text.Json;
using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;

namespace ChatIngest.Tests.Stats;

/// <summary>
/// What <c>GET /stats</c> must answer for an NDJSON input, worked out here in C# straight from VIEW.md and API.md
/// (no SQL, no service code): one conversation per order, its starter, delay, city and last stage, then the aggregates.
/// Lines are taken as published in file order, which is what <c>POST /replay</c> does.
/// </summary>
public sealed class ExpectedStats
{
    private ExpectedStats(List<Conversation> conversations) => Conversations = conversations;

    public IReadOnlyList<Conversation> Conversations { get; }

    public static ExpectedStats FromNdjson(string path)
    {
        var cities = new Dictionary<long, string>();
        var messages = new List<Message>();
        var line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            var orderId = root.GetProperty("orderId").GetInt64();
            if (!root.TryGetProperty("senderAppType", out var sender))
            {
                cities.TryAdd(orderId, root.GetProperty("cityCode").GetString()!); // the first published wins
                continue;
            }

            messages.Add(new Message(
                orderId,
                sender.GetString()!.StartsWith("Courier", StringComparison.OrdinalIgnoreCase) ? "Courier" : "Customer",
                DateTimeOffset.Parse(root.GetProperty("messageSentTime").GetString()!, CultureInfo.InvariantCulture).UtcDateTime,
                root.GetProperty("chatStartedByMessage").GetBoolean(),
                root.GetProperty("orderStage").GetString()!,
                line));
        }

        var conversations = messages.GroupBy(m => m.OrderId).Select(g => Conversation.Of(g.ToList(), cities.GetValueOrDefault(g.Key)));
        return new ExpectedStats(conversations.ToList());
    }

    public ExpectedStats Window(DateTime? startedAfter, DateTime? startedBefore) => new(Conversations
        .Where(c => (startedAfter is null || c.StartedAt >= startedAfter) && (startedBefore is null || c.StartedAt < startedBefore))
        .ToList());

    public long Messages => Conversations.Sum(c => (long)c.Messages);

    /// <summary>Cities ordered by code, the NULL city (no order event yet) last.</summary>
    public IEnumerable<IGrouping<string?, Conversation>> Cities => Conversations
        .GroupBy(c => c.City)
        .OrderBy(g => g.Key is null)
        .ThenBy(g => g.Key, StringComparer.Ordinal);

    public IEnumerable<(string Stage, int Count)> LastStages => Conversations
        .GroupBy(c => c.LastStage)
        .Select(g => (g.Key, g.Count()))
        .OrderByDescending(s => s.Item2)
        .ThenBy(s => s.Key, StringComparer.Ordinal);

    public IEnumerable<(DateTime Minute, int Count)> StartedPerMinute => Conversations
        .GroupBy(c => new DateTime(c.StartedAt.Ticks - (c.StartedAt.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc))
        .Select(g => (g.Key, g.Count()))
        .OrderBy(m => m.Key);

    /// <summary>What <c>GET /stats</c> must answer for these view rows (the model's, for input the file form cannot say).</summary>
    public static ExpectedStats FromRows(IEnumerable<ConversationRow> rows) => new([.. rows.Select(r => new Conversation(
        r.CityCode, r.FirstMessageBy, r.ConversationStartedAt, r.FirstResponsetimeDelaySeconds, r.LastMessageOrderStage,
        (int)(r.NumMessagesCourier + r.NumMessagesCustomer)))]);

    /// <summary>Asserts that a <c>GET /stats</c> answer is what this input says.</summary>
    public void AssertMatches(JsonElement stats)
    {
        Assert.Equal(Conversations.Count, stats.GetProperty("conversations").GetInt64());
        Assert.Equal(Messages, stats.GetProperty("messages").GetInt64());

        var cities = stats.GetProperty("cities").EnumerateArray().ToList();
        var expectedCities = Cities.ToList();
        Assert.Equal(expectedCities.Select(g => g.Key), cities.Select(c => c.GetProperty("city_code").GetString()));
        foreach (var (city, actual) in expectedCities.Zip(cities))
        {
            Assert.Equal(city.Count(), actual.GetProperty("conversations").GetInt64());
            Assert.Equal(city.Sum(c => c.Messages), actual.GetProperty("messages").GetInt64());
            Assert.Equal(city.Count(c => c.FirstMessageBy == "Courier"), actual.GetProperty("started_by_courier").GetInt64());
            Assert.Equal(city.Count(c => c.FirstMessageBy == "Customer"), actual.GetProperty("started_by_customer").GetInt64());
            AssertClose(PercentileCont(city.Select(c => c.DelaySeconds), 0.5), actual.GetProperty("median_first_response_seconds"));
            AssertClose(PercentileCont(city.Select(c => c.DelaySeconds), 0.9), actual.GetProperty("p90_first_response_seconds"));
        }

        Assert.Equal(
            LastStages.Select(s => $"{s.Stage}={s.Count}"),
            stats.GetProperty("last_stages").EnumerateArray().Select(s => $"{s.GetProperty("stage").GetString()}={s.GetProperty("conversations").GetInt64()}"));
        Assert.Equal(
            StartedPerMinute.Select(m => $"{Rfc3339.Format(m.Minute)}={m.Count}"),
            stats.GetProperty("started_per_minute").EnumerateArray().Select(m => $"{m.GetProperty("minute").GetString()}={m.GetProperty("conversations").GetInt64()}"));
    }

    private static void AssertClose(double? expected, JsonElement actual)
    {
        if (expected is null)
        {
            Assert.Equal(JsonValueKind.Null, actual.ValueKind);
            return;
        }

        Assert.Equal(expected.Value, actual.GetDouble(), 9);
    }

    /// <summary>PERCENTILE_CONT: linear interpolation between the closest ranks of the sorted non-NULL values.</summary>
    public static double? PercentileCont(IEnumerable<long?> values, double fraction)
    {
        var sorted = values.OfType<long>().Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        var position = fraction * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = (int)Math.Ceiling(position);
        return sorted[lower] + ((sorted[upper] - sorted[lower]) * (position - lower));
    }

    public sealed record Message(long OrderId, string Role, DateTime SentAt, bool StartedByFlag, string Stage, int Line);

    public sealed record Conversation(string? City, string FirstMessageBy, DateTime StartedAt, long? DelaySeconds, string LastStage, int Messages)
    {
        public static Conversation Of(List<Message> messages, string? city)
        {
            var startedAt = messages.Min(m => m.SentAt);
            var atStart = messages.Where(m => m.SentAt == startedAt).ToList();
            var roles = atStart.Select(m => m.Role).Distinct().ToList();
            var flagged = atStart.Where(m => m.StartedByFlag).Select(m => m.Role).Distinct().ToList();
            var starter = roles.Count == 1 ? roles[0] : flagged is ["Customer"] ? "Customer" : "Courier";
            var reply = messages.Where(m => m.Role != starter).Select(m => (DateTime?)m.SentAt).Min();
            long? delay = reply is null ? null : (reply.Value - startedAt).Ticks / TimeSpan.TicksPerSecond; // truncated
            var last = messages.OrderByDescending(m => m.SentAt).ThenByDescending(m => m.Line).First();
            return new Conversation(city, starter, startedAt, delay, last.Stage, messages.Count);
        }
    }
}
