namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>
/// A query job that BigQuery ended with an error (<c>status.errorResult</c>): <see cref="Answer"/> is the poll's error
/// answer that said so.
/// </summary>
internal sealed class QueryJobFailedException(string jobId, string reason, string message, BigQueryException answer)
    : Exception($"query job {jobId} failed ({reason}): {message}", answer)
{
    public string JobId => jobId;

    public string Reason => reason;

    public BigQueryException Answer => answer;

    /// <summary>Failures that a new job of the same query may not meet (Google's client libraries rerun these too).</summary>
    public bool IsWorthAnotherJob => reason is "backendError" or "internalError" or "rateLimitExceeded" or "jobBackendError" or "jobInternalError";
}
