using System.Net;

namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>
/// BigQuery answered with an error (GCP.md §4): <see cref="Status"/> is the HTTP status, <see cref="Reason"/> the
/// first <c>errors[].reason</c> (e.g. <c>rateLimitExceeded</c>, <c>invalidQuery</c>, <c>duplicate</c>).
/// </summary>
internal sealed class BigQueryException(HttpStatusCode status, string reason, string message)
    : Exception($"BigQuery answered {(int)status} {reason}: {message}")
{
    public HttpStatusCode Status => status;

    public string Reason => reason;

    /// <summary>429, 500, 502, 503, 504, and 403 for rate or quota limits: worth sending again after a pause.</summary>
    public bool IsTransient => (int)status switch
    {
        429 or 500 or 502 or 503 or 504 => true,
        403 => reason is "rateLimitExceeded" or "quotaExceeded",
        _ => false,
    };

    /// <summary>409 <c>duplicate</c>: what was to be created exists already.</summary>
    public bool IsAlreadyExists => status == HttpStatusCode.Conflict;

    public bool IsNotFound => status == HttpStatusCode.NotFound;
}
