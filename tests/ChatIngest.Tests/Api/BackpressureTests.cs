using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatIngest.Core.Ingest;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatIngest.Tests.Api;

/// <summary>
/// A full queue, a stopping service or a down warehouse answers 503 with Retry-After at once; nothing queues without
/// bound.
/// </summary>
public sealed class BackpressureTests
{
    private const int Capacity = 3;
    private static readonly DateTime Published = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task FullQueueAnswers503WithRetryAfterAndNeverHoldsMoreThanItsCapacity()
    {
        var warehouse = new ControlledWarehouse();
        warehouse.Hold();
        await using var app = new ChatIngestApp(
            new Dictionary<string, string?> { ["Ingest:QueueCapacity"] = $"{Capacity}", ["Ingest:MaxBatchRows"] = "1", ["Push:Deadline"] = "00:10:00" },
            configureServices: warehouse.Register);
        var client = app.CreateClient();
        var queue = app.Services.GetRequiredService<IngestQueue>();

        // One push held inside the warehouse, then exactly enough to fill the queue behind it.
        var accepted = new List<Task<HttpResponseMessage>> { client.PushAsync(Payloads.CourierStart(1), "accepted-1", Published) };
        await warehouse.Entered.WaitAsync(TimeSpan.FromSeconds(60));
        for (var order = 2; order <= Capacity + 1; order++)
        {
            accepted.Add(client.PushAsync(Payloads.CourierStart(order), $"accepted-{order}", Published));
        }

        await Wait.UntilAsync(() => queue.Depth == Capacity);

        for (var order = 100; order < 150; order++)
        {
            using var refused = await client.PushAsync(Payloads.CourierStart(order), $"refused-{order}", Published);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("2", refused.Headers.RetryAfter?.ToString());
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.True(queue.Depth <= Capacity, $"queue depth {queue.Depth} is over its capacity {Capacity}");
        }

        warehouse.Release();
        foreach (var response in await Task.WhenAll(accepted))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            response.Dispose();
        }

        var stored = (await client.GetJsonAsync("/conversations")).GetProperty("items").EnumerateArray()
            .Select(row => row.GetProperty("order_id").GetInt64()).ToArray();
        Assert.Equal([1L, 2L, 3L, 4L], stored);
    }

    [Fact]
    public async Task AQueueFullByBytesAnswers503WhileOneUnderItTakesAPushLargerThanTheRoomLeft()
    {
        // By count alone, 20,000 queued pushes of 10 MB messages would be 200 GB. Refusing a push larger than the room
        // left instead would refuse a large message at every delivery while other pushes keep the queue from emptying.
        var warehouse = new ControlledWarehouse();
        warehouse.Hold();
        await using var app = new ChatIngestApp(
            new Dictionary<string, string?> { ["Ingest:QueueCapacityBytes"] = $"{1 << 20}", ["Ingest:MaxBatchRows"] = "1", ["Push:Deadline"] = "00:10:00" },
            configureServices: warehouse.Register);
        var client = app.CreateClient();
        var queue = app.Services.GetRequiredService<IngestQueue>();
        var small = Payloads.CourierStart(2);
        var large = new byte[900 * 1024]; // base64 in its envelope: ~1.2 MB, more than the whole room
        Random.Shared.NextBytes(large);

        var accepted = new List<Task<HttpResponseMessage>> { client.PushAsync(Payloads.CourierStart(1), "held-1", Published) };
        await warehouse.Entered.WaitAsync(TimeSpan.FromSeconds(60));
        accepted.Add(client.PushAsync(small, "small-2", Published));
        await Wait.UntilAsync(() => queue.Depth == 1);
        accepted.Add(client.PushAsync(PushEnvelopes.Create(large, "large-3", Published)));
        await Wait.UntilAsync(() => queue.Depth == 2);
        Assert.True(queue.DepthBytes > 1 << 20, $"{queue.DepthBytes} bytes queued: the large push should be in");

        using (var refused = await client.PushAsync(Payloads.CourierStart(4), "refused-4", Published).WaitAsync(TimeSpan.FromSeconds(60)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("2", refused.Headers.RetryAfter?.ToString());
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("ChatIngest is at capacity.", problem.GetProperty("title").GetString());
        }

        Assert.Equal(2, queue.Depth); // by count, far from full

        warehouse.Release();
        foreach (var response in await Task.WhenAll(accepted))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            response.Dispose();
        }

        Assert.Equal(0, queue.DepthBytes);
        var parked = (await client.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray()
            .Select(row => row.GetProperty("message_id").GetString()!).ToArray();
        Assert.Equal(["large-3"], parked);
    }

    [Fact]
    public async Task APushAfterTheStopBeganAnswers503SayingSoAndThePushesAlreadyQueuedAreStored()
    {
        var (app, writer, warehouse, logs, held, queued) = await OneHeldAndOneQueuedAsync();
        await using var _ = app;
        var client = app.CreateClient();
        var stopped = writer.StopAsync(CancellationToken.None);

        for (var order = 100; order < 103; order++)
        {
            using var refused = await client.PushAsync(Payloads.CourierStart(order), $"refused-{order}", Published);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("2", refused.Headers.RetryAfter?.ToString());
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("ChatIngest is stopping.", problem.GetProperty("title").GetString());
        }

        Assert.Contains(logs.Entries, e => e.EventId == 309 && e.Values["MessageId"] as string == "refused-100");
        Assert.DoesNotContain(logs.Entries, e => e.EventId is 301 or 309 && e.Values["MessageId"] as string == "refused-101"); // counted, not logged

        warehouse.Release();
        await stopped.WaitAsync(TimeSpan.FromSeconds(60));
        foreach (var response in await Task.WhenAll(held, queued))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            response.Dispose();
        }

        var stored = (await client.GetJsonAsync("/conversations")).GetProperty("items").EnumerateArray()
            .Select(row => row.GetProperty("order_id").GetInt64()).ToArray();
        Assert.Equal([1L, 2L], stored);
    }

    [Fact]
    public async Task AStopWhoseTimeoutHasRunOutLogsWhatWasLeftToCommitInsteadOfFailingTheHostsStop()
    {
        // The web server's stop can use up the whole shutdown timeout before the writer's begins. Throwing then made
        // the host's stop fail, and the process end with an unhandled exception (exit code 134).
        var (app, writer, warehouse, logs, held, queued) = await OneHeldAndOneQueuedAsync();
        await using var _ = app;

        await writer.StopAsync(new CancellationToken(canceled: true)); // returns: no exception

        var cutShort = Assert.Single(logs.Entries, e => e.EventId == 105);
        Assert.Equal(2, cutShort.Values["Depth"]); // the one being committed and the one queued
        warehouse.Release();
        using var first = await held;
        using var second = await queued;
        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode); // its write was under way, and finished
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode); // given up, not written
        Assert.Single(warehouse.Written);
        Assert.DoesNotContain(logs.Entries, e => e.EventId == 101); // event 105 has counted it
    }

    [Fact]
    public async Task AfterAStopCutShortAWriteThatFailsIsNotRetried()
    {
        // The host goes on to dispose the warehouse: retrying into it only logged a warning a second until the exit.
        var (app, writer, warehouse, logs, held, queued) = await OneHeldAndOneQueuedAsync();
        await using var _ = app;
        await writer.StopAsync(new CancellationToken(canceled: true));

        warehouse.FailWrites = true;
        warehouse.Release();
        using var first = await held;
        using var second = await queued;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal(1, warehouse.FailedWrites);
        Assert.DoesNotContain(logs.Entries, e => e.EventId is 100 or 101);
    }

    [Fact]
    public async Task DownWarehouseAnswers503WithRetryAfterAndTheRedeliveryLandsOnceItIsBack()
    {
        var warehouse = new ControlledWarehouse { FailWrites = true };
        await using var app = new ChatIngestApp(
            new Dictionary<string, string?> { ["Ingest:CommitRetryBudget"] = "00:00:02" }, // room for a retry on a slow machine
            configureServices: warehouse.Register);
        var client = app.CreateClient();
        var envelope = PushEnvelopes.Create(Payloads.CourierStart(9), "redelivered-9", Published);

        using (var down = await client.PushAsync(envelope))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Equal("2", down.Headers.RetryAfter?.ToString());
            Assert.True(warehouse.FailedWrites > 1, "the writer should retry inside its budget before answering 503");
            Assert.Equal(0, (await client.GetJsonAsync("/conversations")).GetProperty("items").GetArrayLength());
        }

        warehouse.FailWrites = false;
        using var back = await client.PushAsync(envelope);

        Assert.Equal(HttpStatusCode.NoContent, back.StatusCode);
        Assert.Equal(9, (await client.GetJsonAsync("/conversations/9")).GetProperty("order_id").GetInt64());
    }

    /// <summary>A service with one push held inside the warehouse and one queued behind it, as when a stop begins.</summary>
    private static async Task<(ChatIngestApp App, IngestWriter Writer, ControlledWarehouse Warehouse, CapturedLogs Logs, Task<HttpResponseMessage> Held, Task<HttpResponseMessage> Queued)>
        OneHeldAndOneQueuedAsync()
    {
        var warehouse = new ControlledWarehouse();
        warehouse.Hold();
        var logs = new CapturedLogs();
        var app = new ChatIngestApp(
            new Dictionary<string, string?> { ["Ingest:MaxBatchRows"] = "1", ["Push:Deadline"] = "00:10:00" },
            configureServices: services => { warehouse.Register(services); logs.Register(services); });
        try
        {
            var client = app.CreateClient();
            var queue = app.Services.GetRequiredService<IngestQueue>();
            var held = client.PushAsync(Payloads.CourierStart(1), "held-1", Published);
            await warehouse.Entered.WaitAsync(TimeSpan.FromSeconds(60));
            var queued = client.PushAsync(Payloads.CourierStart(2), "queued-2", Published);
            await Wait.UntilAsync(() => queue.Depth == 1);
            return (app, app.Services.GetServices<IHostedService>().OfType<IngestWriter>().Single(), warehouse, logs, held, queued);
        }
        catch
        {
            await app.DisposeAsync(); // the caller never got it to dispose
            throw;
        }
    }
}
