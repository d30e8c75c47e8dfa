using System.Collections.Concurrent;
using System.Text;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;
using Polly;
using Polly.Retry;

namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>
/// Streams one batch with <c>tabledata.insertAll</c> (GCP.md §4): requests of at most 500 rows and under 9 MB, a few at
/// a time. Rows answered <c>stopped</c> or with a retryable reason are sent again; a row BigQuery answers
/// <c>invalid</c> is parked in <c>dead_letters</c> with BigQuery's reason while its batch-mates land.
/// </summary>
internal sealed class BigQueryInserter(BigQueryRestClient client, WarehouseOptions settings, TimeProvider time)
{
    public const int MaxRows = 500;

    /// <summary>Under the documented 10 MB per request.</summary>
    public const int MaxRequestBytes = 9_000_000;

    /// <summary>What the rows of one request may add up to, leaving room for the request's own JSON.</summary>
    private const int MaxRowBytes = MaxRequestBytes - 1024;

    /// <summary>A dead letter's data is cut to this so its base64 row still fits one request.</summary>
    private const int MaxDeadLetterDataBytes = 6_000_000;

    private readonly ResiliencePipeline<bool> resend = new ResiliencePipelineBuilder<bool> { TimeProvider = time }
        .AddTimeout(settings.BigQueryRetryBudget)
        .AddRetry(new RetryStrategyOptions<bool>
        {
            ShouldHandle = new PredicateBuilder<bool>().HandleResult(false),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromSeconds(2),
            MaxRetryAttempts = 20,
        })
        .Build();

    public async Task<RowOutcome[]> WriteAsync(IReadOnlyList<IngestRecord> records, CancellationToken cancellationToken)
    {
        var outcomes = new RowOutcome[records.Count];
        var rejected = new ConcurrentBag<(int Index, string Detail, byte[] Row)>();
        var rows = new List<(string Table, int Index, InsertRow Row)>(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var (table, row) = BigQueryRows.For(Fit(records[i]));
            if (RequestBytes(row) > MaxRowBytes)
            {
                rejected.Add((i, $"row of {row.Json.Length} bytes is over insertAll's request limit", row.Json));
                continue;
            }

            rows.Add((table, i, row));
        }

        await InsertAsync(rows, rejected, cancellationToken).ConfigureAwait(false);
        if (rejected.IsEmpty)
        {
            return outcomes;
        }

        var parked = new List<(string, int, InsertRow)>();
        foreach (var (index, detail, row) in rejected)
        {
            if (records[index] is DeadLetterRecord)
            {
                throw new InvalidOperationException($"BigQuery refused a dead_letters row ({detail}); it cannot be parked anywhere else.");
            }

            var letter = new DeadLetterRecord(records[index].Delivery, InvalidReason.RejectedByWarehouse, detail, row);
            parked.Add((BigQueryRows.DeadLetters, index, BigQueryRows.For(Fit(letter)).Row));
            outcomes[index] = RowOutcome.RejectedToDeadLetters;
        }

        var refusedAgain = new ConcurrentBag<(int, string Detail, byte[])>();
        await InsertAsync(parked, refusedAgain, cancellationToken).ConfigureAwait(false);
        return refusedAgain.IsEmpty
            ? outcomes
            : throw new InvalidOperationException($"BigQuery refused a dead_letters row ({refusedAgain.First().Detail}).");
    }

    private async Task InsertAsync(
        List<(string Table, int Index, InsertRow Row)> rows, ConcurrentBag<(int, string, byte[])> rejected, CancellationToken cancellationToken)
    {
        var chunks = new List<(string Table, List<(int Index, InsertRow Row)> Rows)>();
        foreach (var group in rows.GroupBy(r => r.Table))
        {
            List<(int, InsertRow)>? chunk = null;
            var bytes = 0L;
            foreach (var (_, index, row) in group)
            {
                var size = RequestBytes(row);
                if (chunk is null || chunk.Count == MaxRows || bytes + size > MaxRowBytes)
                {
                    chunks.Add((group.Key, chunk = []));
                    bytes = 0;
                }

                chunk.Add((index, row));
                bytes += size;
            }
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = settings.BigQueryInsertConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(chunks, parallel, async (chunk, ct) => await InsertChunkAsync(chunk.Table, chunk.Rows, rejected, ct).ConfigureAwait(false))
            .ConfigureAwait(false);
    }

    private async Task InsertChunkAsync(
        string table, List<(int Index, InsertRow Row)> chunk, ConcurrentBag<(int, string, byte[])> rejected, CancellationToken cancellationToken)
    {
        var pending = chunk;
        var taken = await resend.ExecuteAsync(async ct =>
        {
            while (true)
            {
                var errors = await client.InsertAllAsync(table, pending.ConvertAll(p => p.Row), ct).ConfigureAwait(false);
                var again = new List<(int, InsertRow)>();
                var invalid = new HashSet<int>();
                foreach (var error in errors)
                {
                    if (error.Index < 0 || error.Index >= pending.Count)
                    {
                        throw new FormatException($"insertAll answered an error for row {error.Index} of {pending.Count}.");
                    }

                    var (index, row) = pending[error.Index];
                    if (error.IsTableMismatch)
                    {
                        throw new InvalidOperationException(
                            $"insertAll into {table} refused a row for a column the table has or lacks ({error.Describe()}): "
                            + $"the table is not the one this version writes (sql/bigquery/create_{table}.sql); alter it, and the pushes refused meanwhile will be delivered again.");
                    }

                    if (error.IsInvalid)
                    {
                        rejected.Add((index, error.Describe(), row.Json));
                        invalid.Add(error.Index);
                    }
                    else if (error.IsRetryable)
                    {
                        again.Add((index, row));
                    }
                    else
                    {
                        throw new InvalidOperationException($"insertAll into {table} refused a row: {error.Describe()}");
                    }
                }

                var refused = invalid.Count > 0;
                if (refused)
                {
                    // skipInvalidRows is false: an invalid row kept the whole request out. Every other row goes again,
                    // whether it came back "stopped" or was not listed at all.
                    again = [.. pending.Where((_, i) => !invalid.Contains(i))];
                }

                pending = again;
                if (pending.Count == 0)
                {
                    return true;
                }

                if (!refused)
                {
                    // Nothing was wrong with these rows, BigQuery just did not take them now: back off, then resend.
                    return false;
                }

                // The invalid rows are out; their batch-mates go again at once.
            }
        }, cancellationToken).ConfigureAwait(false);

        if (!taken)
        {
            throw new WarehouseUnavailableException($"BigQuery kept answering insertAll into {table} with retryable row errors.");
        }
    }

    /// <summary>A dead letter too large for one request keeps the start of its data and says so.</summary>
    private static IngestRecord Fit(IngestRecord record) => record is DeadLetterRecord { Data.Length: > MaxDeadLetterDataBytes } x
        ? x with
        {
            Data = x.Data[..MaxDeadLetterDataBytes],
            Detail = $"{x.Detail} (data cut from {x.Data.Length} to {MaxDeadLetterDataBytes} bytes to fit a BigQuery streaming request)",
        }
        : record;

    private static long RequestBytes(InsertRow row) => row.Json.Length + Encoding.UTF8.GetByteCount(row.InsertId) + 32;
}
