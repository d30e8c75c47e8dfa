using System.Globalization;
using System.Net;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using ChatIngest.Core.Ingest;
using Microsoft.Extensions.Logging;

namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>
/// Queries (<c>jobs.query</c>, then <c>jobs.getQueryResults</c> while the job runs and for every page). Three things make
/// them more than one call with retries:
/// <list type="bullet">
/// <item><see cref="WarehouseOptions.BigQueryQueryTimeout"/> bounds the whole read, from its first request on. BigQuery
/// gets a job timeout (<c>jobTimeoutMs</c>) past it, which it counts from the job's creation: a backstop for a job
/// nobody polls any more, never what ends a read (that was a 500 with BigQuery's "timed out" instead of the 503 naming the
/// setting).</item>
/// <item>An error answer to a poll is either the API's (a 503 from its front end: poll again) or the job's own failure,
/// which <c>getQueryResults</c> reports the same way and which no poll will change. <c>jobs.get</c> tells them apart. A job
/// that failed for a reason worth another try (<c>backendError</c>, <c>internalError</c>, <c>rateLimitExceeded</c>) is
/// run again as a new job, half a second later and a second after that, up to <see cref="JobsPerQuery"/> jobs; polled
/// again, it failed until the retry budget ran out.</item>
/// <item>The <c>requestId</c> that makes a resent <c>jobs.query</c> return the job it started is kept only while no
/// answer came (a lost response). After an error answer the next try gets a new one: the same id would return the
/// same failed job.</item>
/// </list>
/// </summary>
internal sealed partial class BigQueryRestClient
{
    /// <summary>Jobs one query may start, when jobs fail for a reason worth another try.</summary>
    internal const int JobsPerQuery = 3;

    /// <summary>
    /// Runs GoogleSQL with named parameters (<c>jobs.query</c>), waits while <c>jobComplete</c> is false and follows
    /// <c>pageToken</c> until every row is read. A statement without a result (DDL) returns no rows.
    /// </summary>
    public async Task<IReadOnlyList<BigQueryRow>> QueryAsync(string sql, IReadOnlyList<QueryParameter> parameters, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(settings.BigQueryQueryTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        for (var job = 1; ; job++)
        {
            try
            {
                if (job > 1)
                {
                    // Not at once: a job that met a rate limit (too many queries at a time) would meet it again.
                    await Task.Delay(TimeSpan.FromMilliseconds(500 * (job - 1)), time, linked.Token).ConfigureAwait(false);
                }

                return await RunJobAsync(sql, parameters, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new WarehouseUnavailableException(
                    $"BigQuery did not finish the query within Warehouse__BigQueryQueryTimeout ({settings.BigQueryQueryTimeout}).");
            }
            catch (Exception e) when (e is BigQueryException { Reason: QueryCostLimitException.Reason }
                or QueryJobFailedException { Reason: QueryCostLimitException.Reason })
            {
                // Refused before it ran, as jobs.query's answer or as the job's failure: the next job would be too.
                if (costRefusals.Take())
                {
                    LogCostLimit(logger, e.Message);
                }

                throw new QueryCostLimitException(settings.BigQueryMaximumBytesBilled, e.Message, e);
            }
            catch (QueryJobFailedException e) when (!e.IsWorthAnotherJob)
            {
                ExceptionDispatchInfo.Throw(e.Answer); // as BigQuery answered it: the query itself is wrong (a 500 here)
            }
            catch (QueryJobFailedException e) when (job >= JobsPerQuery)
            {
                throw new WarehouseUnavailableException($"BigQuery ran the query {job} times, and each job failed; the last: {e.Message}", e);
            }
            catch (QueryJobFailedException e)
            {
                LogJobFailed(logger, e.JobId, e.Reason, job);
            }
        }
    }

    private async Task<IReadOnlyList<BigQueryRow>> RunJobAsync(string sql, IReadOnlyList<QueryParameter> parameters, CancellationToken cancellationToken)
    {
        var requestId = NewRequestId();
        var answer = await SendWithRetriesAsync(HttpMethod.Post, $"{projectPath}/queries", async ct =>
        {
            try
            {
                return await SendOnceAsync(HttpMethod.Post, $"{projectPath}/queries", QueryBody(sql, parameters, requestId), ct).ConfigureAwait(false);
            }
            catch (BigQueryException)
            {
                requestId = NewRequestId(); // an answer came: the same id would bring the same failed job back
                throw;
            }
        }, cancellationToken).ConfigureAwait(false);
        var rows = new List<BigQueryRow>();
        QuerySchema? schema = null;
        string? jobId = null;
        string? location = null;
        var running = false;
        try
        {
            var job = answer.RootElement.GetProperty("jobReference");
            jobId = job.GetProperty("jobId").GetString()!;
            location = job.TryGetProperty("location", out _) ? job.StringOf("location") : settings.Location;
            string? pageToken = null;
            while (true)
            {
                var root = answer.RootElement;
                running = root.TryGetProperty("jobComplete", out var complete) && complete.ValueKind == JsonValueKind.False;
                if (running)
                {
                    // Not done: each getQueryResults call waits up to timeoutMs on the server, so no pause is needed here.
                    pageToken = null;
                }
                else
                {
                    schema ??= QueryResults.Schema(root);
                    QueryResults.AddRows(root, schema, rows);
                    pageToken = root.StringOf("pageToken");
                    if (pageToken is null)
                    {
                        return rows;
                    }
                }

                var url = $"{projectPath}/queries/{Uri.EscapeDataString(jobId)}?location={Uri.EscapeDataString(location ?? "")}"
                    + $"&timeoutMs={serverWaitMs.ToString(CultureInfo.InvariantCulture)}&formatOptions.useInt64Timestamp=true"
                    + (pageToken is null ? "" : $"&pageToken={Uri.EscapeDataString(pageToken)}");
                answer.Dispose();
                answer = await PollAsync(url, jobId, location, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (running && jobId is not null
            && e is WarehouseUnavailableException or OperationCanceledException or BigQueryException or HttpRequestException)
        {
            // Given up on (the query timeout, the retry budget, or the caller went away) while it still runs: it would
            // run on, billed, for nobody.
            await CancelJobAsync(jobId, location).ConfigureAwait(false);
            throw;
        }
        finally
        {
            answer.Dispose();
        }
    }

    private byte[] QueryBody(string sql, IReadOnlyList<QueryParameter> parameters, string requestId) => Json(w =>
    {
        w.WriteString("query", sql);
        w.WriteBoolean("useLegacySql", false);
        w.WriteString("parameterMode", "NAMED");
        w.WriteStartArray("queryParameters");
        foreach (var p in parameters)
        {
            w.WriteStartObject();
            w.WriteString("name", p.Name);
            w.WriteStartObject("parameterType");
            w.WriteString("type", p.Type);
            w.WriteEndObject();
            w.WriteStartObject("parameterValue");
            w.WriteString("value", p.Value);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("location", settings.Location);
        w.WriteNumber("timeoutMs", serverWaitMs);

        // BigQuery stops the job itself a little after the service gives up on it (and cancels it), even if this
        // instance is gone by then.
        w.WriteString("jobTimeoutMs", JobTimeoutMs.ToString(CultureInfo.InvariantCulture));
        if (settings.BigQueryMaximumBytesBilled is { } limit)
        {
            w.WriteString("maximumBytesBilled", limit.ToString(CultureInfo.InvariantCulture)); // an int64: a string in Google's JSON
        }

        w.WriteStartObject("formatOptions");
        w.WriteBoolean("useInt64Timestamp", true);
        w.WriteEndObject();
        w.WriteString("requestId", requestId);
    });

    /// <summary>The job timeout sent to BigQuery: the query timeout, and one exchange's timeout past it.</summary>
    internal long JobTimeoutMs => (long)(settings.BigQueryQueryTimeout + settings.BigQueryRequestTimeout).TotalMilliseconds;

    private static string NewRequestId() => Guid.NewGuid().ToString("N");

    /// <summary>
    /// One <c>getQueryResults</c> call, sent again as the retry rules say, except when its error answer is the job's own
    /// failure: then <see cref="QueryJobFailedException"/>, which no poll would change.
    /// </summary>
    private Task<JsonDocument> PollAsync(string url, string jobId, string? location, CancellationToken cancellationToken) =>
        SendWithRetriesAsync(HttpMethod.Get, url, async ct =>
        {
            try
            {
                return await SendOnceAsync(HttpMethod.Get, url, null, ct).ConfigureAwait(false);
            }
            catch (BigQueryException e)
            {
                if (await JobFailureAsync(jobId, location, ct).ConfigureAwait(false) is var (reason, message))
                {
                    throw new QueryJobFailedException(jobId, reason, message, e);
                }

                throw;
            }
        }, cancellationToken);

    /// <summary>
    /// The job's <c>status.errorResult</c> (<c>jobs.get</c>) when it is done and failed; null when it runs, succeeded, or
    /// cannot be asked (then the poll's error counts as the API's, and the retry rules decide).
    /// </summary>
    private async Task<(string Reason, string Message)?> JobFailureAsync(string jobId, string? location, CancellationToken cancellationToken)
    {
        try
        {
            using var job = await SendOnceAsync(HttpMethod.Get, JobUrl(jobId, location), null, cancellationToken).ConfigureAwait(false);
            return job.RootElement.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object
                && status.StringOf("state") == "DONE"
                && status.TryGetProperty("errorResult", out var error) && error.ValueKind == JsonValueKind.Object
                ? (error.StringOf("reason") ?? "unknown", error.StringOf("message") ?? "")
                : null;
        }
        catch (Exception e) when (e is BigQueryException or HttpRequestException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Asks BigQuery to stop a query job nobody waits for any more (<c>jobs.cancel</c>): one attempt within
    /// <see cref="WarehouseOptions.BigQueryRequestTimeout"/>, whatever the caller's cancellation; a failure is logged only.
    /// </summary>
    private async Task CancelJobAsync(string jobId, string? location)
    {
        using var timeout = new CancellationTokenSource(settings.BigQueryRequestTimeout, time);
        try
        {
            (await SendOnceAsync(HttpMethod.Post, JobUrl(jobId, location, "/cancel"), null, timeout.Token).ConfigureAwait(false)).Dispose();
            LogCancelled(logger, jobId);
        }
        catch (Exception e) when (e is BigQueryException or HttpRequestException or OperationCanceledException or JsonException)
        {
            LogCancelFailed(logger, jobId, e.Message);
        }
    }

    /// <summary><c>jobs.get</c>'s URL of a job, or with <paramref name="method"/> (<c>/cancel</c>) one of its methods'.</summary>
    private string JobUrl(string jobId, string? location, string method = "") =>
        $"{projectPath}/jobs/{Uri.EscapeDataString(jobId)}{method}?location={Uri.EscapeDataString(location ?? "")}";

    [LoggerMessage(EventId = 312, Level = LogLevel.Information, Message = "Asked BigQuery to cancel query job {JobId}, which was given up on")]
    private static partial void LogCancelled(ILogger logger, string jobId);

    [LoggerMessage(EventId = 313, Level = LogLevel.Warning, Message = "Could not cancel BigQuery query job {JobId} ({Error}); it may run on")]
    private static partial void LogCancelFailed(ILogger logger, string jobId, string error);

    /// <summary>
    /// Event 321 once a minute at most, then a count (event 322): a dashboard asks /stats every 3 s, and each refused
    /// read was a warning.
    /// </summary>
    internal static readonly TimeSpan CostRefusalLogWindow = TimeSpan.FromMinutes(1);

    private readonly RefusalWindow costRefusals;

    /// <summary>Logs the refused reads counted but not logged yet.</summary>
    public void Dispose() => costRefusals.Dispose();

    [LoggerMessage(EventId = 321, Level = LogLevel.Warning, Message = "BigQuery refused a query that would bill more bytes than allowed: {Error}")]
    private static partial void LogCostLimit(ILogger logger, string error);

    [LoggerMessage(EventId = 322, Level = LogLevel.Warning, Message = "BigQuery refused {Count} more queries for the bytes they would bill in the last {Seconds} s")]
    private static partial void LogCostLimitCount(ILogger logger, long count, double seconds);

    [LoggerMessage(EventId = 320, Level = LogLevel.Warning, Message = "BigQuery query job {JobId} failed ({Reason}), job {Job} of the query; running it again as a new job")]
    private static partial void LogJobFailed(ILogger logger, string jobId, string reason, int job);
}
