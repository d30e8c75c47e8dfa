using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// Records waiting for the writer, and the task their sender awaits: it completes only after the commit that holds
/// them, so an HTTP answer never runs ahead of the file. <paramref name="bytes"/>: what it came in as (a push's body, a
/// replay chunk's lines), the measure of what its records hold in memory: a message may be 10 MB, a dead letter keeps
/// all of it, and a valid one's strings are as long as the sender made them.
/// </summary>
public sealed class WriteRequest(IReadOnlyList<IngestRecord> records, long bytes)
{
    private readonly TaskCompletionSource<WriteSummary> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<IngestRecord> Records => records;

    /// <summary>The bytes it came in as; the queue and the writer's groups are bounded by these as well as by count.</summary>
    public long Bytes => bytes;

    public Task<WriteSummary> Completion => completion.Task;

    internal void Succeed(WriteSummary summary) => completion.TrySetResult(summary);

    internal void Fail(Exception error) => completion.TrySetException(error);

    /// <summary>
    /// Ends the wait with a <see cref="TimeoutException"/> unless the commit came first. Still queued, the request is then
    /// dropped by the writer; already in a commit, it may still land.
    /// </summary>
    internal void Expire() => completion.TrySetException(new TimeoutException("The commit did not come within the deadline."));
}
