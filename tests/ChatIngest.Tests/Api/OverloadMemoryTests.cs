using System.Net;
using ChatIngest.Core.Ingest;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ChatIngest.Tests.Api;

[Collection(SoloCollection.Name)]
public sealed class OverloadMemoryTests
{
    private const int Refused = 400;
    private const int PayloadBytes = 256 * 1024;

    /// <summary>
    /// 400 refused pushes of 256 KB each carry 100 MB of payload: were any of them kept (queued past the capacity, or
    /// waiting for room), the heap would grow by at least that. Bounded, it grows by about nothing.
    /// </summary>
    [Fact]
    public async Task ManyPushesRefusedUnderOverloadLeaveTheHeapWhereItWas()
    {
        var warehouse = new ControlledWarehouse();
        warehouse.Hold();
        await using var app = new ChatIngestApp(
            new Dictionary<string, string?> { ["Ingest:QueueCapacity"] = "2", ["Ingest:MaxBatchRows"] = "1", ["Push:Deadline"] = "00:10:00" },
            configureServices: warehouse.Register);
        var client = app.CreateClient();
        var queue = app.Services.GetRequiredService<IngestQueue>();
        long growth;
        try
        {
            // One push into the held write first, then two to fill the queue: sent together, all three could reach the
            // queue before the writer took one, and the third would be refused instead of queued.
            var held = new List<Task<HttpResponseMessage>> { client.PushAsync(Payloads.CourierStart(1), "held-1", DateTime.UtcNow) };
            await warehouse.Entered.WaitAsync(TimeSpan.FromSeconds(60));
            held.AddRange(new[] { 2, 3 }.Select(i => client.PushAsync(Payloads.CourierStart(i), $"held-{i}", DateTime.UtcNow)));
            await Wait.UntilAsync(() => queue.Depth == 2);
            var payload = new byte[PayloadBytes];
            Random.Shared.NextBytes(payload);
            var envelope = PushEnvelopes.Create(payload, "big", DateTime.UtcNow);
            using (var warmUp = await client.PushAsync(envelope))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, warmUp.StatusCode);
            }

            var before = GC.GetTotalMemory(forceFullCollection: true);
            for (var i = 0; i < Refused; i++)
            {
                using var response = await client.PushAsync(envelope.Replace("\"big\"", $"\"big-{i}\"", StringComparison.Ordinal));
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            }

            growth = GC.GetTotalMemory(forceFullCollection: true) - before;
            warehouse.Release();
            await Task.WhenAll(held);
        }
        finally
        {
            // Whatever failed above, let the held write finish so the host can stop and the failure shows as itself.
            warehouse.Release();
        }

        Assert.True(growth < Refused * PayloadBytes / 4, $"the heap grew by {growth / 1024} KB over {Refused} refused pushes");
        Assert.Equal(0, queue.Depth);
    }

    /// <summary>
    /// Once answered, a push's record (a dead letter's holds up to 10 MB of data) is let go by everything that handled
    /// it. The deadlines' queue kept every answered push until its segment of up to 32 filled, and the writer and the
    /// warehouse each kept the last group's records until the next write.
    /// </summary>
    [Fact]
    public async Task AnsweredPushesAreLetGoOfByTheDeadlinesTheWriterAndTheWarehouse()
    {
        var warehouse = new ControlledWarehouse();
        await using var app = new ChatIngestApp(configureServices: warehouse.Register);
        var client = app.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            var data = new byte[1024 * 1024]; // random bytes: not UTF-8, so each is parked whole
            new Random(i).NextBytes(data);
            using var response = await client.PushAsync(PushEnvelopes.Create(data, $"large-{i}", DateTime.UtcNow));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        // The last push may be let go only at the deadlines' next sweep (within 50 ms).
        Assert.Equal(3, warehouse.Written.Count);
        await Wait.UntilAsync(() => !warehouse.Written.Any(Reachability.IsReachable), "every record written to be let go");
    }

    [Fact]
    public async Task AReplayOfLargeLinesHandsTheWriterAFewMegabytesAtATimeNotFiveHundredLines()
    {
        // 40 lines of 1 MB: one chunk of 500 lines would hold all of them at once (and 500 such lines, 500 MB). Cut at
        // 4 MiB as well, a chunk is 4 lines; the writer's first group, cut before the replay could
        // queue more than its four chunks in flight, holds 16 lines at most.
        var warehouse = new ControlledWarehouse();
        warehouse.Hold();
        await using var app = new ChatIngestApp(configureServices: warehouse.Register);
        var client = app.CreateClient();
        var line = "{\"unknown\": \"" + new string('x', 1 << 20) + "\"}\n";
        using var content = new StringContent(string.Concat(Enumerable.Repeat(line, 40)));
        content.Headers.ContentType = new("application/x-ndjson");

        var replay = client.PostAsync("/replay", content);
        await warehouse.Entered.WaitAsync(TimeSpan.FromSeconds(60));
        var firstGroup = warehouse.Written.Count;
        warehouse.Release();
        using var answer = await replay;

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.InRange(firstGroup, 1, 16);
        Assert.Equal(40, warehouse.Written.Count);
    }
}
