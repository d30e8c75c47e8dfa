using System.Text.Json;

namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>One entry of an insertAll answer's <c>insertErrors</c>: the row's index in the request and why it failed.</summary>
internal sealed record InsertError(int Index, IReadOnlyList<InsertErrorReason> Errors)
{
    /// <summary>Row reasons worth sending again (GCP.md §4); <c>stopped</c> means "not written because of another row".</summary>
    private static readonly HashSet<string> Retryable = new(StringComparer.Ordinal) { "stopped", "backendError", "internalError", "timeout" };

    /// <summary>BigQuery refused the row itself: sending it again cannot help.</summary>
    public bool IsInvalid => Errors.Any(e => e.Reason == "invalid");

    /// <summary>
    /// Refused for a column the table does not have ("no such field"), or for a required one this version does not
    /// fill ("Missing required field": the classifier lets no record without its fields through, so it is the table's
    /// column): the table is not the one this version writes, which is no fault of the message, so the write fails
    /// (503, Pub/Sub delivers it again) instead of parking every message as a dead letter.
    /// </summary>
    public bool IsTableMismatch => Errors.Any(e => e.Reason == "invalid"
        && (e.Message.StartsWith("no such field", StringComparison.OrdinalIgnoreCase)
            || e.Message.StartsWith("missing required field", StringComparison.OrdinalIgnoreCase)));

    public bool IsRetryable => !IsInvalid && Errors.Count > 0 && Errors.All(e => Retryable.Contains(e.Reason));

    /// <summary>What a dead letter records: BigQuery's reasons, locations and messages.</summary>
    public string Describe() => string.Join("; ", Errors.Select(e =>
        e.Location is { Length: > 0 } ? $"{e.Reason} at {e.Location}: {e.Message}" : $"{e.Reason}: {e.Message}"));

    public static IReadOnlyList<InsertError> Read(JsonElement answer)
    {
        if (!answer.TryGetProperty("insertErrors", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return items.EnumerateArray().Select(item => new InsertError(
            item.GetProperty("index").GetInt32(),
            item.TryGetProperty("errors", out var errors)
                ? errors.EnumerateArray().Select(e => new InsertErrorReason(
                    e.StringOf("reason") ?? "unknown", e.StringOf("location"), e.StringOf("message") ?? "")).ToList()
                : [])).ToList();
    }
}

internal sealed record InsertErrorReason(string Reason, string? Location, string Message);
