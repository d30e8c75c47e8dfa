using System.Diagnostics.Metrics;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// The service's own metrics (Meter <c>ChatIngest</c>), exported by the host (Prometheus at <c>/metrics</c>, OTLP).
/// Counters carry no per-request tags except a fixed one, so recording stays allocation-free on the push path.
/// </summary>
public sealed class IngestMetrics
{
    public const string MeterName = "ChatIngest";

    private static readonly KeyValuePair<string, object?> OrderKind = new("kind", "order");
    private static readonly KeyValuePair<string, object?> ChatKind = new("kind", "chat_message");

    private readonly Counter<long> received;
    private readonly Counter<long> stored;
    private readonly Counter<long> duplicates;
    private readonly Counter<long> invalid;
    private readonly Counter<long> rejected;
    private readonly Histogram<int> batchSize;
    private readonly Histogram<double> commitDuration;
    private readonly Counter<long> failedCommits;

    public IngestMetrics(IMeterFactory meterFactory, IngestQueue queue)
    {
        var meter = meterFactory.Create(MeterName);
        received = meter.CreateCounter<long>("chatingest.messages.received", "{message}", "Messages received by push or replay, before classification.");
        stored = meter.CreateCounter<long>("chatingest.messages.stored", "{message}", "New order events and chat messages committed.");
        duplicates = meter.CreateCounter<long>("chatingest.messages.duplicate", "{message}", "Messages whose content was already stored.");
        invalid = meter.CreateCounter<long>("chatingest.messages.invalid", "{message}", "Messages parked in dead_letters.");
        rejected = meter.CreateCounter<long>("chatingest.push.rejected", "{request}", "Pushes refused: 503 (queue full, warehouse down, deadline, stopping, token keys unavailable), 401 or 403 (push auth), 400, 413 or 415 (the push itself).");
        batchSize = meter.CreateHistogram<int>("chatingest.batch.size", "{row}", "Rows per group commit.");
        // In seconds, so the exporters' default buckets (0 to 10,000, made for milliseconds) would put every commit in
        // the first; these run from 100 µs (a synced journal write) to the longest commit retry budget, 10 min (deploy/
        // sets 20 s: a commit that succeeded after 10-20 s of retries was in +Inf, and quantiles stopped at 10 s).
        commitDuration = meter.CreateHistogram("chatingest.commit.duration", "s", "Time of one group commit that succeeded, retries included.", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] });
        failedCommits = meter.CreateCounter<long>("chatingest.commit.failed", "{commit}",
            "Group commits that failed past Ingest__CommitRetryBudget: each of their pushes was answered 503, and a replay in them stopped with 503.");
        meter.CreateObservableGauge("chatingest.queue.depth", () => queue.Depth, "{request}", "Write requests waiting for the writer.");
        meter.CreateObservableGauge("chatingest.queue.bytes", () => queue.DepthBytes, "By", "Bytes (of push bodies and replay lines) waiting for the writer.");
    }

    public void Received(int count = 1) => received.Add(count);

    public void Rejected(string reason) => rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    internal void Committed(WriteSummary summary, int rows, TimeSpan elapsed)
    {
        if (summary.Orders > 0)
        {
            stored.Add(summary.Orders, OrderKind);
        }

        if (summary.Messages > 0)
        {
            stored.Add(summary.Messages, ChatKind);
        }

        duplicates.Add(summary.Duplicates);
        invalid.Add(summary.Invalid);
        batchSize.Record(rows);
        commitDuration.Record(elapsed.TotalSeconds);
    }

    internal void CommitFailed() => failedCommits.Add(1);
}
