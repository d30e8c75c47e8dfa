using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// Records waiting for the writer, and the task their sender awaits: it completes only after the commit that holds
/// them, so an HTTP answer never runs ahead of the file.
/// </summary>
public sealed class WriteRequest(IReadOnlyList<IngestRecord> records)
{
    private readonly TaskCompletionSource<WriteSummary> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<IngestRecord> Records => records;

    public Task<WriteSummary> Completion => completion.Task;

    internal void Succeed(WriteSummary summary) => completion.TrySetResult(summary);

    internal void Fail(Exception error) => completion.TrySetException(error);

    /// <summary>Ends the wait with a <see cref="TimeoutException"/> unless the commit came first; the write may still land.</summary>
    internal void Expire() => completion.TrySetException(new TimeoutException("The commit did not come within the deadline."));
}
