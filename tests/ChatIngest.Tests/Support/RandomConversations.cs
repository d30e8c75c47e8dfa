using System.Globalization;
using System.Net;
using System.Text;
using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;
using ChatIngest.Tests.Stats;

namespace ChatIngest.Tests.Support;

/// <summary>
/// Random conversations built to tie, for differential tests against <see cref="ViewModel"/>: few distinct sent times
/// (written in other zones and precisions, some equal only once cut to microseconds), few publish times, message ids
/// that order one way as numbers and another as strings, messages redelivered and republished in other JSON forms,
/// differing order events and invalid messages; and the forms Pub/Sub pushes them in.
/// </summary>
public static class RandomConversations
{
    private static readonly DateTime T0 = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

    // 1.5 s and 1.5 s + 0.9 µs are one microsecond: a tie once stored, two values before.
    private static readonly long[] SentOffsetsInTicks = [0, 10_000_000, 15_000_000, 15_000_009, 300_000_000, 610_000_001];
    private static readonly string[] Senders = ["Courier Android", "Courier iOS", "courier web", "Customer iOS", "CUSTOMER Android"];
    private static readonly string[] Stages = ["ACCEPTED", "PICKED_UP", "IN_TRANSIT", "DELIVERED"];
    private static readonly string[] Cities = ["IST", "LON", "BER", "İZM"]; // İ: non-ASCII, and sorts after Z

    /// <summary>The pushes of random conversations for orders 1 to <paramref name="orders"/>, and the ids of the invalid ones.</summary>
    public static (List<PublishedMessage> Pushes, HashSet<string> DeadLetters) Generate(Random random, int orders)
    {
        var usedIds = new HashSet<string>();
        var pushes = new List<PublishedMessage>();
        var deadLetters = new HashSet<string>();
        for (var orderId = 1L; orderId <= orders; orderId++)
        {
            var payloads = new List<List<(string Key, object Value)>>();
            for (var i = random.Next(1, 7); i > 0; i--)
            {
                payloads.Add(ChatFields(random, orderId));
            }

            for (var i = random.Next(0, 4); i > 0; i--)
            {
                payloads.Add([("orderId", orderId), ("cityCode", Cities[random.Next(Cities.Length)])]);
            }

            // Invalid messages among them: each distinct id is one dead letter, and none changes the view.
            for (var i = random.Next(0, 2); i > 0; i--)
            {
                deadLetters.Add(Publish(Invalid(random, orderId), redeliveredOneIn: 3));
            }

            foreach (var fields in payloads)
            {
                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    Publish(Write(random, fields), redeliveredOneIn: 4); // the same message in one of its JSON forms
                }
            }
        }

        return (pushes, deadLetters);

        // A publication: a fresh id and a publish time that may tie; sometimes redelivered as it was (same id and time).
        string Publish(string json, int redeliveredOneIn)
        {
            var publication = new PublishedMessage(json, NewId(random, usedIds), T0.AddMilliseconds(500 * random.Next(0, 8)));
            pushes.Add(publication);
            if (random.Next(redeliveredOneIn) == 0)
            {
                pushes.Add(publication);
            }

            return publication.MessageId;
        }
    }

    /// <summary>
    /// The view is the model's for the valid pushes, each invalid message id is one dead letter, and /stats agrees; so do
    /// the list's filters, /stats over a window of start times and single orders.
    /// </summary>
    public static async Task AssertServedAsTheModelAsync(HttpClient client, List<PublishedMessage> pushes, HashSet<string> deadLetters)
    {
        var expected = ViewModel.Compute(pushes.Where(m => !deadLetters.Contains(m.MessageId)));
        var actual = await ViewReader.ReadAllAsync(client);
        Assert.Equal(expected.Keys.Order(), actual.Select(r => r.OrderId));
        Assert.All(actual, row => Assert.Equal(expected[row.OrderId], row));
        Assert.Equal(deadLetters.Order(StringComparer.Ordinal), (await DeadLetterIdsAsync(client, pageSize: 7)).Order(StringComparer.Ordinal));
        ExpectedStats.FromRows(expected.Values).AssertMatches(await client.GetJsonAsync("/stats")); // /stats aggregates the same rows

        // The window starts at a time conversations start at (inclusive; 1.5 s and 1.5 s + 0.9 µs are one microsecond
        // once stored) and ends at another (exclusive).
        var (after, before) = (T0.AddSeconds(1.5), T0.AddMinutes(5));
        var window = $"started_after={Rfc3339.Format(after)}&started_before={Rfc3339.Format(before)}";
        bool InWindow(ConversationRow r) => r.ConversationStartedAt >= after && r.ConversationStartedAt < before;
        foreach (var (query, keep) in new (string, Func<ConversationRow, bool>)[]
        {
            ("city_code=IST", r => r.CityCode == "IST"),
            ($"city_code={Uri.EscapeDataString("İZM")}", r => r.CityCode == "İZM"),
            ("has_city=false", r => r.CityCode is null),
            ("first_message_by=Customer", r => r.FirstMessageBy == "Customer"),
            (window, InWindow),
            ($"city_code=LON&first_message_by=Courier&{window}", r => r.CityCode == "LON" && r.FirstMessageBy == "Courier" && InWindow(r)),
        })
        {
            // small pages: each next page's keyset is combined with the filters
            var rows = await ViewReader.ReadAllAsync(client, pageSize: 13, query);
            Assert.Equal(expected.Values.Where(keep).Select(r => r.OrderId).Order(), rows.Select(r => r.OrderId));
        }

        Assert.Contains(expected.Values, InWindow);
        ExpectedStats.FromRows(expected.Values.Where(InWindow)).AssertMatches(await client.GetJsonAsync($"/stats?{window}"));

        // One order at a time, and an order with no chat message (an order event only, or nothing at all) is 404.
        foreach (var orderId in expected.Keys.Where(id => id % 16 == 1))
        {
            Assert.Equal(expected[orderId], await ViewReader.ReadOneAsync(client, orderId));
        }

        using var missing = await client.GetAsync($"/conversations/{expected.Keys.Max() + 1}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    /// <summary>The message id of every dead letter the service lists, all pages.</summary>
    public static async Task<List<string>> DeadLetterIdsAsync(HttpClient client, int pageSize = 1000) =>
        [.. (await client.GetAllItemsAsync($"/dead-letters?limit={pageSize}")).Select(i => i.GetProperty("message_id").GetString()!)];

    private static List<(string Key, object Value)> ChatFields(Random random, long orderId)
    {
        var sender = Senders[random.Next(Senders.Length)];
        List<(string, object)> fields =
        [
            ("senderAppType", sender), ("orderId", orderId), ("messageSentTime", SentTime(random)),
            ("fromId", 11L), ("toId", 22L), ("courierId", 11L), ("customerId", 22L),
            ("chatStartedByMessage", random.Next(3) == 0), ("orderStage", Stages[random.Next(Stages.Length)]),
        ];
        if (random.Next(2) == 0)
        {
            fields.Add(("rating", (long)random.Next(1, 3))); // few values: distinct messages may still be equal
        }

        return fields;
    }

    /// <summary>One of the few sent times, in a random zone and with or without a fraction.</summary>
    private static string SentTime(Random random)
    {
        var utc = T0.AddTicks(SentOffsetsInTicks[random.Next(SentOffsetsInTicks.Length)]);
        var offset = TimeSpan.FromMinutes(new[] { 0, 60, -330 }[random.Next(3)]);
        var local = utc + offset;
        var fraction = local.Ticks % TimeSpan.TicksPerSecond;
        var text = local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture)
            + (fraction != 0 ? "." + fraction.ToString("D7", CultureInfo.InvariantCulture).TrimEnd('0')
                : random.Next(2) == 0 ? ".000" : "");
        return text + (offset == TimeSpan.Zero ? "Z" : (offset < TimeSpan.Zero ? "-" : "+") + offset.ToString(@"hh\:mm", CultureInfo.InvariantCulture));
    }

    /// <summary>The fields as a JSON object in a random key order and spacing, each integer in a random form.</summary>
    private static string Write(Random random, List<(string Key, object Value)> fields)
    {
        var json = new StringBuilder("{");
        foreach (var (key, value) in fields.OrderBy(_ => random.Next()))
        {
            json.Append(json.Length > 1 ? "," : "").Append(random.Next(2) == 0 ? " " : "").Append(StringForm(random, key)).Append(':');
            json.Append(value switch
            {
                long n => IntegerForm(random, n),
                bool b => b ? "true" : "false",
                string s => StringForm(random, s),
                _ => throw new InvalidOperationException(key),
            });
        }

        return json.Append('}').ToString();
    }

    /// <summary>A JSON string as written plainly most of the time, else with some of its characters as <c>\u</c> escapes.</summary>
    private static string StringForm(Random random, string value)
    {
        if (random.Next(4) != 0)
        {
            return "\"" + value + "\"";
        }

        var json = new StringBuilder("\"");
        foreach (var c in value)
        {
            json.Append(random.Next(3) == 0 ? ((int)c).ToString(random.Next(2) == 0 ? "x4" : "X4", CultureInfo.InvariantCulture).Insert(0, "\\u") : c.ToString());
        }

        return json.Append('"').ToString();
    }

    /// <summary>A positive integer as written plainly most of the time, else as <c>16.0</c>, <c>1.6e1</c> and the like.</summary>
    private static string IntegerForm(Random random, long value)
    {
        var plain = value.ToString(CultureInfo.InvariantCulture);
        if (random.Next(3) != 0)
        {
            return plain;
        }

        var digits = plain.TrimEnd('0');
        return JsonNumberForms.Write(random, negative: false, digits, plain.Length - digits.Length);
    }

    /// <summary>A fresh message id: all digits of another length (9 &lt; 10 only as numbers), with leading zeros, or not numeric.</summary>
    private static string NewId(Random random, HashSet<string> used)
    {
        while (true)
        {
            var number = random.Next(1, 100_000).ToString(CultureInfo.InvariantCulture);
            var id = random.Next(10) switch
            {
                0 => "00" + number,
                1 => "m" + number,
                _ => number,
            };
            if (used.Add(id))
            {
                return id;
            }
        }
    }

    /// <summary>An invalid message for the order: not JSON, a fraction for an id, an unknown sender, or a time without a zone.</summary>
    private static string Invalid(Random random, long orderId) => random.Next(4) switch
    {
        0 => $"not json {orderId}",
        1 => $$"""{"orderId":{{orderId}}.5,"cityCode":"IST"}""",
        2 => Payloads.Chat(orderId, "Restaurant web", "2024-02-01T10:00:00Z"),
        _ => Payloads.Chat(orderId, "Courier Android", "2024-02-01 10:00:00"),
    };

    /// <summary>Each push in one of the forms Pub/Sub delivers, eight at a time; each must be acknowledged.</summary>
    public static async Task PushAllAsync(HttpClient client, IReadOnlyList<PublishedMessage> pushes, Random random)
    {
        var forms = pushes.Select(_ => random.Next(3)).ToList();
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(pushes.Select(async (m, i) =>
        {
            await gate.WaitAsync();
            try
            {
                using var response = await PushAsync(client, m, forms[i]);
                Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"{m.Json}: {response.StatusCode}");
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    /// <summary>A push in one of the forms Pub/Sub delivers: an envelope (camelCase or snake_case), or unwrapped with its metadata headers.</summary>
    public static Task<HttpResponseMessage> PushAsync(HttpClient client, PublishedMessage m, int form) => form switch
    {
        0 => client.PushAsync(m.Json, m.MessageId, m.PublishTime),
        1 => client.PushAsync(PushEnvelopes.Create(m.Json, m.MessageId, m.PublishTime, snakeCase: true)),
        _ => client.PushUnwrappedAsync(m.Json, m.MessageId, m.PublishTime),
    };
}
