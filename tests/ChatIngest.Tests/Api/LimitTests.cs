using System.Net;
using System.Text;
using System.Text.Json;
using ChatIngest.Core.Messages;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Api;

/// <summary>Body, line, depth and time limits: each answered with the documented status, nothing half-stored.</summary>
public sealed class LimitTests
{
    private static readonly DateTime Published = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task EnvelopeNestedTooDeepGets400AndStoresNothing()
    {
        await using var app = new ChatIngestApp();
        var client = app.CreateClient();
        var deep = new string('[', 64) + new string(']', 64);
        var envelope = $$$"""{"extra":{{{deep}}},"message":{"data":"e30=","messageId":"deep-env","publishTime":"2024-02-01T10:00:00Z"}}""";

        using var response = await client.PushAsync(envelope);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, (await client.GetJsonAsync("/dead-letters")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task PayloadNestedTooDeepIsParkedAsTooDeep()
    {
        await using var app = new ChatIngestApp();
        var client = app.CreateClient();
        var payload = "{\"a\":" + new string('[', 100) + new string(']', 100) + "}";

        using var response = await client.PushAsync(payload, "deep-payload", Published);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var parked = Assert.Single((await client.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray());
        Assert.Equal("deep-payload", parked.GetProperty("message_id").GetString());
        Assert.Equal(InvalidReason.TooDeep, parked.GetProperty("reason").GetString());
    }

    /// <summary>The app on a held warehouse, with pushes answered 503 after <paramref name="deadline"/> and commits retried for long.</summary>
    private static ChatIngestApp Held(ControlledWarehouse warehouse, string deadline) => new(
        new Dictionary<string, string?> { ["Push:Deadline"] = deadline, ["Ingest:CommitRetryBudget"] = "00:10:00" },
        configureServices: warehouse.Register);

    [Fact]
    public async Task PushWhoseCommitHangsPastTheDeadlineGets503WithRetryAfter()
    {
        var warehouse = new ControlledWarehouse();
        warehouse.Hold();
        // Seconds, not milliseconds: a push past its deadline before the writer took it would be dropped, never reaching
        // the held commit this test is about (a loaded machine's writer can take that long to get to it).
        await using var app = Held(warehouse, "00:00:02");
        var client = app.CreateClient();

        var pushing = client.PushAsync(Payloads.CourierStart(3), "hung-1", Published);
        await warehouse.Entered.WaitAsync(TimeSpan.FromMinutes(1)); // the push is in the held commit
        using var response = await pushing;
        warehouse.Release();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("2", response.Headers.RetryAfter?.ToString());
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("in time", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APushAnswered503AtItsDeadlineWhileItWaitedIsNotWrittenAfterwards()
    {
        // Pub/Sub sends it again; written anyway, it only slowed the queue behind it (on BigQuery, a second copy).
        var warehouse = new ControlledWarehouse();
        warehouse.Hold();
        await using var app = Held(warehouse, "00:00:00.200");
        var client = app.CreateClient();
        var first = client.PostAsync("/replay", new StringContent(Payloads.CourierStart(30) + "\n")); // a replay has no deadline
        await warehouse.Entered.WaitAsync(TimeSpan.FromMinutes(1)); // the writer is held in its commit

        using var waited = await client.PushAsync(Payloads.CourierStart(31), "waited-past-its-deadline", Published);
        warehouse.Release();
        using var replay = await client.PostAsync("/replay", new StringContent(Payloads.CourierStart(32) + "\n"));
        (await first).Dispose();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, waited.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode); // committed after whatever was queued before it
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/conversations/31")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/conversations/30")).StatusCode); // in the commit: it lands
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/conversations/32")).StatusCode);
    }

    [Fact]
    public async Task DeadLettersPageEndsBeforeItsDataWouldPass16MiBAndTheNextPageGoesOn()
    {
        await using var app = new ChatIngestApp();
        var client = app.CreateClient();
        var sent = new Dictionary<string, byte[]>();
        for (var i = 0; i < 3; i++)
        {
            var data = new byte[7_000_000]; // not JSON: each is parked whole
            new Random(i).NextBytes(data);
            sent[$"large-{i}"] = data;
            using var response = await client.PushAsync(PushEnvelopes.Create(data, $"large-{i}", Published.AddSeconds(i)));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var first = await client.GetJsonAsync("/dead-letters?limit=100");
        var token = first.GetProperty("next_page_token").GetString();
        var second = await client.GetJsonAsync("/dead-letters?limit=100&page_token=" + Uri.EscapeDataString(token!));

        // 7 MB + 7 MB is under 16 MiB (16,777,216 bytes), a third 7 MB is over.
        Assert.Equal(2, first.GetProperty("items").GetArrayLength());
        Assert.Equal(1, second.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next_page_token").ValueKind);
        var listed = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray())
            .ToDictionary(l => l.GetProperty("message_id").GetString()!, l => l.GetProperty("data_base64").GetBytesFromBase64());
        Assert.Equal(sent.Keys.Order(), listed.Keys.Order());
        Assert.All(sent, s => Assert.Equal(s.Value, listed[s.Key]));
    }
}
