using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatIngest.Tests.Ingest;

/// <summary>
/// How the writer cuts its groups: whole requests, within Ingest__MaxBatchRows and IngestWriter.MaxBatchBytes, and
/// what a group that cannot be committed does to the requests after it.
/// </summary>
public sealed class IngestWriterGroupTests
{
    [Fact]
    public async Task AGroupStopsBeforeTheRequestThatWouldTakeItPastMaxBatchRowsAndALargerRequestIsCommittedAlone()
    {
        await using var writer = await RunningWriter.StartAsync(maxBatchRows: 10);
        var held = writer.Enqueue(rows: 1, bytes: 100); // in the first group, held in the warehouse
        await writer.Warehouse.Entered.WaitAsync(TimeSpan.FromSeconds(60));
        var queued = new[] { writer.Enqueue(6, 600), writer.Enqueue(6, 600), writer.Enqueue(25, 2_500), writer.Enqueue(3, 300) };

        writer.Warehouse.Release();
        await Task.WhenAll(queued.Append(held)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal([1, 6, 6, 25, 3], writer.Warehouse.GroupRows);
    }

    [Fact]
    public async Task AGroupStopsBeforeTheRequestThatWouldTakeItPastMaxBatchBytes()
    {
        // A journal frame is one buffer: 10,000 dead letters of 10 MB in one group could never be written.
        const long large = 40L << 20;
        await using var writer = await RunningWriter.StartAsync(maxBatchRows: 10_000);
        var held = writer.Enqueue(rows: 1, bytes: 100);
        await writer.Warehouse.Entered.WaitAsync(TimeSpan.FromSeconds(60));
        var queued = new[] { writer.Enqueue(1, large), writer.Enqueue(1, large), writer.Enqueue(1, 1_000), writer.Enqueue(1, large) };

        writer.Warehouse.Release();
        await Task.WhenAll(queued.Append(held)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(large * 2 > IngestWriter.MaxBatchBytes && large < IngestWriter.MaxBatchBytes, "the sizes must straddle the bound");
        Assert.Equal([1, 1, 2, 1], writer.Warehouse.GroupRows);
    }

    [Fact]
    public async Task ARecordThatThrowsBeforeTheCommitFailsItsOwnRequestAndTheWriterGoesOnToTheNext()
    {
        await using var writer = await RunningWriter.StartAsync(maxBatchRows: 1);
        writer.Warehouse.Release();

        var broken = writer.Enqueue(new WriteRequest([new UnkeyableRecord()], 10));
        var next = writer.Enqueue(rows: 1, bytes: 10);

        await Assert.ThrowsAsync<WarehouseUnavailableException>(() => broken.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(new WriteSummary(0, 0, 0, 1), await next.WaitAsync(TimeSpan.FromSeconds(60))); // a dead letter, stored
    }

    /// <summary>A record whose content key cannot be had: what any failure while the writer prepares a group stands for.</summary>
    private sealed record UnkeyableRecord() : IngestRecord(new Delivery("unkeyable", IngestRecords.Published, IngestRecords.Published))
    {
        public override string ContentKey => throw new InvalidOperationException("injected: no content key");
    }

    private sealed class RunningWriter : IAsyncDisposable
    {
        private readonly IngestQueue queue;
        private readonly IngestWriter writer;
        private readonly ServiceProvider services;
        private int next;

        private RunningWriter(int maxBatchRows)
        {
            var options = Options.Create(new IngestOptions { MaxBatchRows = maxBatchRows, CommitRetryBudget = TimeSpan.FromMinutes(1) });
            services = new ServiceCollection().AddMetrics().BuildServiceProvider();
            queue = new IngestQueue(options);
            var metrics = new IngestMetrics(services.GetRequiredService<IMeterFactory>(), queue);
            writer = new IngestWriter(queue, Warehouse, options, metrics, TimeProvider.System, NullLogger<IngestWriter>.Instance);
        }

        public GroupRecordingWarehouse Warehouse { get; } = new();

        public static async Task<RunningWriter> StartAsync(int maxBatchRows)
        {
            var running = new RunningWriter(maxBatchRows);
            await running.writer.StartAsync(CancellationToken.None);
            return running;
        }

        /// <summary>A request of <paramref name="rows"/> dead letters, said to have come in as <paramref name="bytes"/>.</summary>
        public Task<WriteSummary> Enqueue(int rows, long bytes) =>
            Enqueue(new WriteRequest([.. Enumerable.Range(0, rows).Select(_ => IngestRecords.DeadLetter($"m-{Interlocked.Increment(ref next)}", [1]))], bytes));

        public Task<WriteSummary> Enqueue(WriteRequest request)
        {
            Assert.True(queue.TryEnqueue(request));
            return request.Completion;
        }

        public async ValueTask DisposeAsync()
        {
            Warehouse.Release();
            await writer.StopAsync(CancellationToken.None);
            writer.Dispose();
            await services.DisposeAsync();
        }
    }

    /// <summary>Records how many rows each write (group) brought; the first write waits until released.</summary>
    private sealed class GroupRecordingWarehouse : IWarehouse
    {
        private readonly TaskCompletionSource entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentQueue<int> groups = new();

        public Task Entered => entered.Task;

        public int[] GroupRows => [.. groups];

        public void Release() => gate.TrySetResult();

        public async Task<RowOutcome[]> WriteAsync(IReadOnlyList<IngestRecord> records, CancellationToken cancellationToken)
        {
            groups.Enqueue(records.Count);
            entered.TrySetResult();
            await gate.Task; // as a hung warehouse: the budget's cancellation does not end it either
            return [.. records.Select(_ => RowOutcome.Stored)];
        }

        public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<bool> IsReadyAsync(CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<Page<ConversationRow>> ListConversationsAsync(ConversationQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ConversationRow?> GetConversationAsync(long orderId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Page<DeadLetterRow>> ListDeadLettersAsync(DeadLetterQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ConversationStats> GetStatsAsync(StatsQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
