using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// The one writer (group commit, after Serilog's BatchingSink): it takes whatever is queued, in whole requests, up to
/// <see cref="IngestOptions.MaxBatchRows"/> and <see cref="MaxBatchBytes"/>, commits it in one warehouse transaction,
/// then completes every request of the batch. There is no collection window: while one commit runs, the next batch queues up by itself, so batches
/// grow with load and a lone push is committed at once. Before it cuts a group, the writer steps behind the thread
/// pool's queue a few times (<see cref="GroupYields"/>), so pushes already being read reach the group.
/// On shutdown the queue is closed first and everything already accepted is committed before this returns, unless the
/// host's shutdown timeout has run out: then a last moment, and what is left is logged (event 105) and given up:
/// nothing is retried and no further group is written, as the host goes on to dispose the warehouse (a DuckDB write
/// already under way still finishes; a BigQuery request is cancelled).
/// </summary>
public sealed partial class IngestWriter(
    IngestQueue queue,
    IWarehouse warehouse,
    IOptions<IngestOptions> options,
    IngestMetrics metrics,
    TimeProvider time,
    ILogger<IngestWriter> logger) : BackgroundService
{
    private readonly ResiliencePipeline commitPipeline = new ResiliencePipelineBuilder { TimeProvider = time }
        .AddTimeout(options.Value.CommitRetryBudget)
        .AddRetry(new RetryStrategyOptions
        {
            // Not once the budget has run out or the writer has given up (event 105): then not even one more warning.
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } e and not OperationCanceledException && !args.Context.CancellationToken.IsCancellationRequested),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(20),
            MaxDelay = TimeSpan.FromSeconds(1),
            MaxRetryAttempts = int.MaxValue,
            OnRetry = args =>
            {
                // The stack trace once per commit: a full disk or an outage would repeat it at every retry.
                var error = args.Outcome.Exception;
                LogCommitRetry(logger, args.AttemptNumber + 1, error?.Message, args.RetryDelay.TotalMilliseconds,
                    args.AttemptNumber == 0 ? error : null);
                return ValueTask.CompletedTask;
            },
        })
        .Build();

    /// <summary>
    /// How many times the writer goes to the back of the thread pool's queue once something is queued, before it takes
    /// the group. Work queued ahead of it is mostly pushes being read and answered; letting them run first makes a group
    /// hold the pushes of a whole round trip instead of the few that came during the last sync, so there are fewer syncs
    /// per push and less CPU per push (docs/performance.md, item 25). No timer is involved: with nothing else queued,
    /// each step comes straight back, so a lone push still commits at once.
    /// </summary>
    private const int GroupYields = 8;

    /// <summary>
    /// The most bytes (as the requests came in) one group takes, beside <see cref="IngestOptions.MaxBatchRows"/>: the
    /// DuckDB warehouse encodes a group as one journal frame in one buffer, which cannot pass 2 GB, and 10,000 rows of
    /// 10 MB dead letters would; refused at every retry, such a group would answer 503 to every push in it, again at
    /// each redelivery. A request is never split: one larger than this is committed alone.
    /// </summary>
    internal const long MaxBatchBytes = 64L << 20;

    private int committing; // requests of the group being committed (out of the queue, not answered yet)

    // Cancelled once the drain is cut short (event 105). A plain token source (no timer), so left to the GC: the loop
    // may still look at it after the host has disposed of this service.
    private readonly CancellationTokenSource givenUp = new();
    private readonly List<IngestRecord> batchUnique = [];
    private readonly Dictionary<(Type, string), int> batchSeen = [];
    private int[] batchFirstOf = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<WriteRequest>();
        var maxRows = options.Value.MaxBatchRows;

        // Not cancelled by stoppingToken on purpose: the loop ends when the queue is closed *and* drained.
        while (await queue.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            for (var i = 0; i < GroupYields; i++)
            {
                await Task.Yield();
            }

            var rows = TakeGroup(batch, maxRows); // the batch is empty: cleared after the last group's commit
            if (batch.Count == 0)
            {
                continue; // every request taken had been answered already
            }

            Volatile.Write(ref committing, batch.Count);
            await CommitAsync(batch, rows).ConfigureAwait(false);
            Volatile.Write(ref committing, 0);

            // The group's requests go now, not when the next group is cut: a dead letter keeps up to 10 MB.
            batch.Clear();
        }
    }

    /// <summary>
    /// Whole requests into <paramref name="batch"/> while the group stays within both bounds (the first is taken whatever
    /// its size); returns its rows. Not in the async loop, whose locals would keep the last request (and a dead
    /// letter's 10 MB) until the next group.
    /// <para>
    /// A request answered while it waited (a push past <c>Push__Deadline</c>: 503, so Pub/Sub sends it again) is
    /// dropped, not written: under the overload that makes deadlines pass, writing it would only slow the queue behind
    /// it, and on BigQuery its redelivery, minutes later, would be stored a second time.
    /// </para>
    /// </summary>
    private int TakeGroup(List<WriteRequest> batch, int maxRows)
    {
        var rows = 0;
        var bytes = 0L;
        while (queue.TryPeek(out var next))
        {
            var answered = next.Completion.IsCompleted;
            if (!answered && batch.Count > 0 && (rows + next.Records.Count > maxRows || bytes + next.Bytes > MaxBatchBytes))
            {
                break;
            }

            if (!queue.TryTake(out var request))
            {
                break;
            }

            if (!answered)
            {
                batch.Add(request);
                rows += request.Records.Count;
                bytes += request.Bytes;
            }
        }

        return rows;
    }

    /// <summary>
    /// How long the drain may still take once the host's shutdown timeout has run out. Services stop one after another,
    /// and the web server's stop may use up the whole timeout (a client still sending a body it was answered for keeps
    /// its connection): an empty queue then still gets the moment it needs to close instead of failing the host's stop,
    /// which ended the process with an unhandled exception (exit code 134).
    /// </summary>
    internal static readonly TimeSpan LastMoment = TimeSpan.FromMilliseconds(500);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Close();
        LogDraining(logger, queue.Depth);
        if (ExecuteTask is not { } running)
        {
            return;
        }

        try
        {
            await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            try
            {
                await running.WaitAsync(LastMoment, time, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Nothing left waiting for these commits was answered 2xx, so Pub/Sub (or the replaying client) sends
                // them again; what was acknowledged is stored.
                LogDrainCutShort(logger, queue.Depth + Volatile.Read(ref committing));
                await givenUp.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task CommitAsync(List<WriteRequest> batch, int rowCount)
    {
        var started = time.GetTimestamp();
        try
        {
            // Inside the try: whatever it throws (out of memory for a large group) fails this group's requests instead
            // of ending the writer, which would leave every request after them waiting for good.
            var (unique, firstOf) = Deduplicate(batch, rowCount);
            var outcomes = await commitPipeline.ExecuteAsync(
                static async (state, ct) => await state.warehouse.WriteAsync(state.unique, ct).ConfigureAwait(false),
                (warehouse, unique),
                givenUp.Token).ConfigureAwait(false);

            var flat = 0;
            var total = default(WriteSummary);
            var summaries = new WriteSummary[batch.Count];
            for (var r = 0; r < batch.Count; r++)
            {
                foreach (var record in batch[r].Records)
                {
                    var index = firstOf[flat++];
                    var one = index < 0 ? new WriteSummary(0, 0, 1, 0) : Summarize(record, outcomes[index]);
                    if (one.Invalid > 0)
                    {
                        LogDeadLettered(logger, record.Delivery.MessageId, (record as DeadLetterRecord)?.Reason ?? InvalidReason.RejectedByWarehouse);
                    }

                    summaries[r] += one;
                }

                total += summaries[r];
            }

            // Metrics first, answers second: whoever sees a 204 also sees the commit counted.
            var elapsed = time.GetElapsedTime(started);
            metrics.Committed(total, rowCount, elapsed);
            for (var r = 0; r < batch.Count; r++)
            {
                batch[r].Succeed(summaries[r]);
            }

            LogCommitted(logger, batch.Count, rowCount, elapsed.TotalMilliseconds);
        }
        catch (Exception e)
        {
            if (!givenUp.IsCancellationRequested)
            {
                metrics.CommitFailed();
                LogCommitFailed(logger, batch.Count, rowCount, e); // else event 105 has counted these
            }

            var unavailable = new WarehouseUnavailableException("The warehouse did not take the write in time.", e);
            foreach (var request in batch)
            {
                request.Fail(unavailable);
            }
        }
        finally
        {
            // Deduplicate's buffers, emptied for the next group (and so as not to keep a dead letter's data meanwhile).
            batchUnique.Clear();
            batchSeen.Clear();
        }
    }

    private static WriteSummary Summarize(IngestRecord record, RowOutcome outcome) => (record, outcome) switch
    {
        (_, RowOutcome.Duplicate) => new WriteSummary(0, 0, 1, 0),
        (_, RowOutcome.RejectedToDeadLetters) or (DeadLetterRecord, _) => new WriteSummary(0, 0, 0, 1),
        (OrderEventRecord, _) => new WriteSummary(1, 0, 0, 0),
        _ => new WriteSummary(0, 1, 0, 0),
    };

    /// <summary>
    /// Equal content inside one batch is stored once, as its first publication; the rest are duplicates.
    /// <c>firstOf[i]</c> is the index into <c>unique</c> of the i-th record, or -1 when it is a duplicate.
    /// The three buffers are the writer's own, reused batch after batch: at replay's 10,000 rows each would be a
    /// large-object allocation per commit, and those bring on full collections (docs/performance.md).
    /// </summary>
    private (List<IngestRecord> Unique, int[] FirstOf) Deduplicate(List<WriteRequest> batch, int rowCount)
    {
        var unique = batchUnique; // empty: CommitAsync clears both after each group
        var seen = batchSeen;
        if (batchFirstOf.Length < rowCount)
        {
            batchFirstOf = new int[Math.Max(rowCount, batchFirstOf.Length * 2)];
        }

        var firstOf = batchFirstOf;
        var flat = 0;
        foreach (var request in batch)
        {
            foreach (var record in request.Records)
            {
                var key = (record.GetType(), record.ContentKey);
                if (!seen.TryGetValue(key, out var existing))
                {
                    seen[key] = unique.Count;
                    firstOf[flat++] = unique.Count;
                    unique.Add(record);
                    continue;
                }

                if (Publication.Compare(record.Delivery, unique[existing].Delivery) < 0 && record is not DeadLetterRecord)
                {
                    // This copy was published first: it stands for the message, the stored one becomes the duplicate.
                    unique[existing] = record;
                }

                firstOf[flat++] = -1;
            }
        }

        return (unique, firstOf);
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Commit attempt {Attempt} failed ({Error}); retrying in {DelayMs} ms")]
    private static partial void LogCommitRetry(ILogger logger, int attempt, string? error, double delayMs, Exception? exception);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Commit of {Requests} requests ({Rows} rows) failed past the retry budget; answering 503")]
    private static partial void LogCommitFailed(ILogger logger, int requests, int rows, Exception error);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "Committed {Requests} requests ({Rows} rows) in {Milliseconds} ms")]
    private static partial void LogCommitted(ILogger logger, int requests, int rows, double milliseconds);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Parked message {MessageId} in dead_letters: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string messageId, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Shutting down: closed the ingest queue, {Depth} requests left to commit")]
    private static partial void LogDraining(ILogger logger, int depth);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "Shutting down: the shutdown timeout ran out with {Depth} requests still to commit; they were not acknowledged and will be sent again (Hosting__ShutdownTimeout)")]
    private static partial void LogDrainCutShort(ILogger logger, int depth);
}
