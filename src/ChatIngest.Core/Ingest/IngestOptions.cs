using System.ComponentModel.DataAnnotations;

namespace ChatIngest.Core.Ingest;

/// <summary>The <c>Ingest</c> configuration section: the queue, the group commit and how long a push may wait.</summary>
public sealed class IngestOptions
{
    public const string SectionName = "Ingest";

    /// <summary>Write requests the queue holds before pushes answer 503 (a replay chunk is one request).</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 20_000;

    /// <summary>
    /// The bytes (of push bodies and replay lines) the queue holds before pushes answer 503: requests alone bound it
    /// only to <see cref="QueueCapacity"/> times the largest message, 10 MB. While it holds less, a push is taken
    /// whatever its size.
    /// </summary>
    [Range(typeof(long), "1048576", "68719476736")]
    public long QueueCapacityBytes { get; set; } = 256L << 20;

    /// <summary>
    /// Most rows one commit takes; the writer takes whatever is queued, up to this (a request is never split: one that
    /// holds more is committed alone).
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxBatchRows { get; set; } = 10_000;

    /// <summary>
    /// How long the writer keeps retrying a failed commit before answering 503: well inside Pub/Sub's 10 s ack deadline.
    /// At least <see cref="ShortestTimeout"/>: Polly takes no shorter timeout (below it the writer could not start).
    /// </summary>
    [Range(typeof(TimeSpan), ShortestTimeout.Text, "00:10:00")]
    public TimeSpan CommitRetryBudget { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>The <c>Retry-After</c> seconds sent with a 503.</summary>
    [Range(1, 600)]
    public int RetryAfterSeconds { get; set; } = 2;

    /// <summary>The longest NDJSON line <c>/replay</c> takes (a Pub/Sub message is at most 10 MB).</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxReplayLineBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>
    /// Lines of a replay that travel to the writer as one request. Small enough that the few chunks in flight hold few
    /// records at a time: fewer survive a collection (docs/performance.md, item 21).
    /// </summary>
    [Range(1, 100_000)]
    public int ReplayChunkLines { get; set; } = 500;
}
