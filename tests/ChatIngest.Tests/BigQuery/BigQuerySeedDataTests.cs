using System.Net;
using System.Text.Json.Nodes;
using ChatIngest.Core.Messages;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.BigQuery;

public sealed class BigQuerySeedDataTests
{
    private static readonly FakeFailure[] Failures =
    [
        new(500, AfterStoring: true), // the rows were written but the answer was lost: the resend must not add them twice
        new(503),
        new(429, "rateLimitExceeded"),
        new(403, "rateLimitExceeded"),
    ];

    [Fact]
    public async Task SeedDataPushedWhileOneInFiveInsertAllCallsFailsLandsExactlyOncePerMessage()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        // one call in five into each table fails, cycling through the failure kinds; the 1st, 5th, ... failure loses its answer
        fake.InsertFailure = (_, call) => call % 5 == 0 ? Failures[((call / 5) - 1) % Failures.Length] : null;
        var settings = fake.Settings();
        settings["Ingest:CommitRetryBudget"] = "00:02:00";
        using var app = new ChatIngestApp(settings);
        var client = app.CreateClient();
        var lines = File.ReadAllLines(TempPaths.SharedData("conversations.json")).Where(l => l.Trim().Length > 0).ToArray();
        var published = new DateTime(2024, 2, 1, 12, 0, 0, DateTimeKind.Utc);

        var statuses = new HttpStatusCode[lines.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, lines.Length), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            using var response = await client.PushAsync(lines[i], $"{1000 + i}", published.AddMilliseconds(i));
            statuses[i] = response.StatusCode;
        });

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.NoContent, s));
        Assert.True(fake.LostAnswers.GetValueOrDefault("conversations") > 0, $"no answer was lost in {fake.InsertCalls} insertAll calls");
        Assert.Empty(fake.Violations);
        Assert.Empty(fake.Rows("dead_letters"));

        var expectedChats = lines.Select(l => JsonNode.Parse(l)!.AsObject()).Where(o => o.ContainsKey("senderAppType"))
            .Select(o => ChatIdentity((long)o["orderId"]!, (string)o["senderAppType"]!, (string)o["messageSentTime"]!, (string)o["orderStage"]!))
            .ToList();
        var storedChats = fake.Rows("conversations")
            .Select(r => ChatIdentity(long.Parse((string)r["order_id"]!), (string)r["sender_app_type"]!, (string)r["message_sent_time"]!, (string)r["order_stage"]!))
            .ToList();
        Assert.Equal(1401, expectedChats.Count);
        Assert.Equal(expectedChats.Order(), storedChats.Order());

        var expectedOrders = lines.Select(l => JsonNode.Parse(l)!.AsObject()).Where(o => !o.ContainsKey("senderAppType"))
            .Select(o => $"{(long)o["orderId"]!}:{(string)o["cityCode"]!}").Order().ToList();
        var storedOrders = fake.Rows("orders").Select(r => $"{(string)r["order_id"]!}:{(string)r["city_code"]!}").Order().ToList();
        Assert.Equal(400, expectedOrders.Count);
        Assert.Equal(expectedOrders, storedOrders);

        // What made the lost answers harmless: a row sent again went with the insertId it had the first time.
        var sent = fake.Requests.Where(r => r.Path.EndsWith("/conversations/insertAll", StringComparison.Ordinal))
            .SelectMany(r => r.Body!["rows"]!.AsArray()).Select(row => (string)row!["insertId"]!).ToList();
        Assert.True(sent.Count > 1401, $"no row was sent twice ({sent.Count} rows sent)");
        Assert.Equal(1401, sent.Distinct().Count());
    }

    private static string ChatIdentity(long orderId, string sender, string sentTime, string stage)
    {
        Assert.True(Rfc3339.TryParseUtc(sentTime, out var utc), sentTime);
        return $"{orderId}|{sender}|{utc.Ticks}|{stage}";
    }
}
