using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace ChatIngest.Tests.BigQuery;

public sealed partial class FakeBigQuery
{
    private readonly ConcurrentDictionary<string, FakeJob> jobs = new();

    /// <summary>The job each <c>requestId</c> started: a jobs.query sent again with it gets that job, as BigQuery does.</summary>
    private readonly ConcurrentDictionary<string, string> jobsByRequest = new();

    /// <summary>
    /// What BigQuery would bill a (non-DDL) query, in bytes: one that sends a lower <c>maximumBytesBilled</c> is refused
    /// before it runs (400 <c>bytesBilledLimitExceeded</c>). Nothing unless a test says so.
    /// </summary>
    public Func<FakeQuery, long> BytesBilled { get; set; } = _ => 0;

    /// <summary>The canned result for a (non-DDL) query; null answers 400 and notes a violation.</summary>
    public Func<FakeQuery, CannedResult?> Answer { get; set; } = _ => null;

    public ConcurrentQueue<FakeQuery> Queries { get; } = new();

    /// <summary>Each answer that reported a job's failure: the job, and whether it answered a poll (else jobs.query).</summary>
    public ConcurrentQueue<(string JobId, bool ToAPoll)> FailureAnswers { get; } = new();

    /// <summary>Jobs that <c>jobs.cancel</c> was called for, in order, and whether each was still running then.</summary>
    public ConcurrentQueue<(string JobId, bool WasRunning)> CancelledJobs { get; } = new();

    private async Task<IResult> QueryAsync(HttpContext http, string project)
    {
        var body = await ReadBodyAsync(http);
        if (body is null || project != Project)
        {
            return Reject(http, "jobs.query: bad body or project");
        }

        if (body["useLegacySql"]?.GetValueKind() != JsonValueKind.False || (string?)body["parameterMode"] != "NAMED"
            || body["formatOptions"]?["useInt64Timestamp"]?.GetValueKind() != JsonValueKind.True
            || (string?)body["location"] != Location || (string?)body["requestId"] is not { Length: > 0 }
            || (string?)body["query"] is not { Length: > 0 } sql)
        {
            return Reject(http, $"jobs.query: useLegacySql false, parameterMode NAMED, useInt64Timestamp, location, requestId and query are required: {body.ToJsonString()}");
        }

        var parameters = new Dictionary<string, (string Type, string? Value)>(StringComparer.Ordinal);
        foreach (var p in body["queryParameters"] as JsonArray ?? [])
        {
            var valueKind = p?["parameterValue"]?["value"]?.GetValueKind() ?? JsonValueKind.Null;
            if ((string?)p?["name"] is not { Length: > 0 } name || (string?)p["parameterType"]?["type"] is not { Length: > 0 } type
                || valueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                return Reject(http, $"jobs.query: a parameter needs name, parameterType.type and a string value: {p?.ToJsonString()}");
            }

            parameters[name] = (type, (string?)p["parameterValue"]?["value"]);
        }

        var used = Regex.Matches(sql, @"@(\w+)").Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        if (!used.SetEquals(parameters.Keys) || sql.Contains("{dataset}", StringComparison.Ordinal))
        {
            return Reject(http, $"jobs.query: parameters [{string.Join(",", parameters.Keys)}] do not match the SQL's [{string.Join(",", used)}]");
        }

        // QueryRequest.jobTimeoutMs and maximumBytesBilled are int64s, which Google's JSON carries as strings of digits.
        if (!TryInt64(body, "jobTimeoutMs", out var jobTimeoutMs) || !TryInt64(body, "maximumBytesBilled", out var maximumBytesBilled))
        {
            return Reject(http, $"jobs.query: jobTimeoutMs and maximumBytesBilled must be positive int64s in strings: {body.ToJsonString()}");
        }

        var requestId = (string)body["requestId"]!;
        var query = new FakeQuery(sql, parameters, jobTimeoutMs, requestId, maximumBytesBilled);
        Queries.Enqueue(query);
        if (Ddl(sql) is { } ddl)
        {
            return ddl;
        }

        // BigQuery estimates what a query would bill before it runs it, and refuses it there, at no charge.
        if (maximumBytesBilled is { } limit && BytesBilled(query) is var billed && billed > limit)
        {
            return Error(400, "bytesBilledLimitExceeded", $"Query exceeded limit for bytes billed: {limit}. {billed} or higher required.");
        }

        var timeoutMs = (int?)body["timeoutMs"] ?? 10_000;
        if (jobsByRequest.TryGetValue(requestId, out var started))
        {
            return await JobAnswerAsync(http, started, timeoutMs, firstCall: true);
        }

        CannedResult? result;
        try
        {
            result = Answer(query);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unhandled, it would be a 500, which the client retries until its budget runs out: a test would fail
            // only after that, as a timeout. BigQuery answers a query it cannot run with a 400 the client gives up on.
            return Reject(http, $"jobs.query: the canned answer threw {e.GetType().Name}: {e.Message}");
        }

        if (result is null)
        {
            return Reject(http, $"jobs.query: no canned answer for {sql[..Math.Min(80, sql.Length)]}");
        }

        var jobId = $"job_{Guid.NewGuid():N}";
        var now = DateTime.UtcNow;
        jobs[jobId] = new FakeJob(result, result.IncompletePolls, now + result.RunsFor,
            TimesOutAt: jobTimeoutMs is { } ms ? now + TimeSpan.FromMilliseconds(ms) : null, TimeoutMs: jobTimeoutMs);
        jobsByRequest[requestId] = jobId;
        return await JobAnswerAsync(http, jobId, timeoutMs, firstCall: true);
    }

    private static bool TryInt64(JsonObject body, string name, out long? value)
    {
        value = null;
        if (body[name] is not { } node)
        {
            return true;
        }

        if (node.GetValueKind() != JsonValueKind.String || !long.TryParse((string?)node, System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var parsed) || parsed <= 0)
        {
            return false;
        }

        value = parsed;
        return true;
    }

    /// <summary>
    /// jobs.query's (or a poll's) answer for a job, after waiting as BigQuery does with a request's <c>timeoutMs</c>: until
    /// the job ends or that long has passed. A job that failed is answered with its error, as <c>getQueryResults</c>
    /// reports a job's failure.
    /// </summary>
    private async Task<IResult> JobAnswerAsync(HttpContext http, string jobId, int timeoutMs, bool firstCall)
    {
        var job = jobs[jobId];
        var left = job.EndsAt - DateTime.UtcNow;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(timeoutMs, left.TotalMilliseconds)), http.RequestAborted);
        }

        job = jobs[jobId];
        if (job.Failure(DateTime.UtcNow) is var (status, reason, message))
        {
            FailureAnswers.Enqueue((jobId, !firstCall));
            return Error(status, reason, message);
        }

        if (DateTime.UtcNow < job.DoneAt)
        {
            return Results.Json(Incomplete(jobId));
        }

        if (firstCall)
        {
            return job.PollsLeft > 0 ? Results.Json(Incomplete(jobId)) : FirstPage(jobId);
        }

        if (job.PollsLeft > 0)
        {
            jobs[jobId] = job with { PollsLeft = job.PollsLeft - 1 };
            return job.PollsLeft > 1 ? Results.Json(Incomplete(jobId)) : FirstPage(jobId);
        }

        // The poll after "not complete" that finds it done. Once the first page was given, a call without a token
        // asks for it again: a client that does so would loop on page 0.
        return job.FirstPageServed ? Reject(http, $"getQueryResults: job {jobId}'s first page again, without a pageToken") : FirstPage(jobId);
    }

    /// <summary><c>jobs.get</c>: the job's state, and its <c>errorResult</c> once it has failed.</summary>
    private IResult GetJob(HttpContext http, string project, string jobId)
    {
        Record(http, null);
        if (project != Project || http.Request.Query["location"] != Location || !jobs.TryGetValue(jobId, out var job))
        {
            return Error(404, "notFound", $"Not found: Job {project}:{http.Request.Query["location"]}.{jobId}");
        }

        var now = DateTime.UtcNow;
        var status = new JsonObject { ["state"] = job.Failure(now) is not null || now >= job.DoneAt ? "DONE" : "RUNNING" };
        if (job.Failure(now) is var (_, reason, message))
        {
            status["errorResult"] = new JsonObject { ["reason"] = reason, ["message"] = message };
        }

        return Results.Json(new JsonObject { ["kind"] = "bigquery#job", ["jobReference"] = JobReference(jobId), ["status"] = status });
    }

    private async Task<IResult> GetQueryResultsAsync(HttpContext http, string project, string jobId)
    {
        Record(http, null);
        if (project != Project || http.Request.Query["location"] != Location || !jobs.TryGetValue(jobId, out var job))
        {
            return Reject(http, $"getQueryResults: unknown job {jobId} or wrong location {http.Request.Query["location"]}");
        }

        if (job.Cancelled)
        {
            return Reject(http, $"getQueryResults: job {jobId} was cancelled; BigQuery would end it with an error");
        }

        if (!int.TryParse(http.Request.Query["timeoutMs"], out var timeoutMs))
        {
            timeoutMs = 10_000;
        }

        var token = http.Request.Query["pageToken"].ToString();
        if (token.Length == 0)
        {
            return await JobAnswerAsync(http, jobId, timeoutMs, firstCall: false);
        }

        return token.StartsWith("page-", StringComparison.Ordinal) && int.TryParse(token.AsSpan(5), out var page) && page < job.Result.Pages.Count
            ? Results.Json(Page(jobId, job.Result, page))
            : Reject(http, $"getQueryResults: pageToken '{token}' was never given out");
    }

    /// <summary>
    /// <c>jobs.cancel</c>: an empty body, the job's location (Google's REST reference; GCP.md does not cover it). A poll of
    /// the job after it is a violation: BigQuery ends a cancelled job with an error, and the client has given up on it.
    /// </summary>
    private async Task<IResult> CancelJobAsync(HttpContext http, string project, string jobId)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        Record(http, null);
        if (buffer.Length != 0)
        {
            return Reject(http, $"jobs.cancel: the request body must be empty, got {buffer.Length} bytes");
        }

        if (project != Project || http.Request.Query["location"] != Location || !jobs.TryGetValue(jobId, out var job))
        {
            return Error(404, "notFound", $"Not found: Job {project}:{http.Request.Query["location"]}.{jobId}");
        }

        var wasRunning = DateTime.UtcNow < job.DoneAt;
        CancelledJobs.Enqueue((jobId, wasRunning));
        jobs[jobId] = job with { Cancelled = true };
        return Results.Json(new JsonObject
        {
            ["kind"] = "bigquery#jobCancelResponse",
            ["job"] = new JsonObject { ["jobReference"] = JobReference(jobId), ["status"] = new JsonObject { ["state"] = "DONE" } },
        });
    }

    private IResult FirstPage(string jobId)
    {
        var job = jobs[jobId];
        jobs[jobId] = job with { FirstPageServed = true };
        return Results.Json(Page(jobId, job.Result, 0));
    }

    private IResult? Ddl(string sql)
    {
        var match = Regex.Match(sql, @"CREATE (TABLE IF NOT EXISTS|OR REPLACE VIEW) `([^`]+)`");
        if (!match.Success)
        {
            return null;
        }

        var parts = match.Groups[2].Value.Split('.');
        if (parts.Length != 3 || parts[0] != Project || !Datasets.ContainsKey(parts[1]))
        {
            return Error(404, "notFound", $"Not found: Dataset {match.Groups[2].Value}");
        }

        var isView = match.Groups[1].Value.Contains("VIEW", StringComparison.Ordinal);
        // A table gets the columns of the DDL it was made with, not those of the script by its name.
        var made = isView ? new FakeTable(parts[2], true) : new FakeTable(parts[2], false) { Fields = FakeTable.FieldsOf(sql) };
        Tables.AddOrUpdate(parts[2], made, (_, existing) => isView ? made : existing);
        return Results.Json(new JsonObject
        {
            ["kind"] = "bigquery#queryResponse",
            ["jobReference"] = JobReference($"job_{Guid.NewGuid():N}"),
            ["jobComplete"] = true,
            ["ddlOperationPerformed"] = isView ? "REPLACE" : "CREATE",
        });
    }

    private static JsonObject Incomplete(string jobId) => new()
    {
        ["kind"] = "bigquery#queryResponse",
        ["jobReference"] = JobReference(jobId),
        ["jobComplete"] = false,
    };

    private static JsonObject Page(string jobId, CannedResult result, int page)
    {
        var answer = new JsonObject
        {
            ["kind"] = "bigquery#queryResponse",
            ["jobReference"] = JobReference(jobId),
            ["jobComplete"] = true,
            ["totalRows"] = result.Pages.Sum(p => p.Count).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["schema"] = new JsonObject
            {
                ["fields"] = new JsonArray(result.Fields.Select(f => (JsonNode)new JsonObject { ["name"] = f.Name, ["type"] = f.Type, ["mode"] = "NULLABLE" }).ToArray()),
            },
            ["rows"] = new JsonArray(result.Pages[page].Select(row => (JsonNode)new JsonObject
            {
                ["f"] = new JsonArray(row.Select(v => (JsonNode)new JsonObject { ["v"] = v }).ToArray()),
            }).ToArray()),
        };
        if (page + 1 < result.Pages.Count)
        {
            answer["pageToken"] = $"page-{page + 1}";
        }

        return answer;
    }

    private static JsonObject JobReference(string jobId) => new() { ["projectId"] = Project, ["jobId"] = jobId, ["location"] = Location };
}

/// <summary>A job of the fake: its answer, the polls left before it, when it is done, and what happened to it.</summary>
internal sealed record FakeJob(
    CannedResult Result, int PollsLeft, DateTime DoneAt, bool FirstPageServed = false, bool Cancelled = false, DateTime? TimesOutAt = null, long? TimeoutMs = null)
{
    /// <summary>When the job ends: done, failed, or stopped at its <c>jobTimeoutMs</c>, whichever comes first.</summary>
    public DateTime EndsAt => TimesOutAt is { } t && t < DoneAt ? t : DoneAt;

    /// <summary>
    /// How the job has failed by <paramref name="now"/>, as <c>getQueryResults</c> answers it: its canned failure once it
    /// is done, or the job timeout it ran into first (a 400 <c>timeout</c>, the error BigQuery lists for a job that timed out).
    /// </summary>
    public (int Status, string Reason, string Message)? Failure(DateTime now)
    {
        if (TimesOutAt is { } t && t < DoneAt && now >= t)
        {
            return (400, "timeout", $"Job timed out after {TimeoutMs / 1000.0:0.###} sec(s).");
        }

        return now >= DoneAt && Result.FailsWith is var (status, reason) ? (status, reason, $"The job failed: {reason}.") : null;
    }
}

/// <summary>
/// A query as the fake received it: its SQL, named parameters (type, value as sent), and <c>jobTimeoutMs</c> and
/// <c>maximumBytesBilled</c> if sent.
/// </summary>
public sealed record FakeQuery(
    string Sql, IReadOnlyDictionary<string, (string Type, string? Value)> Parameters, long? JobTimeoutMs = null, string RequestId = "",
    long? MaximumBytesBilled = null);

/// <summary>
/// What a query answers. <paramref name="IncompletePolls"/> answers say "not complete" before the rows, however long
/// the client waits; <paramref name="RunsFor"/> is how long the job runs, during which each call waits up to its
/// <c>timeoutMs</c> and then says "not complete", as BigQuery does. A job with <paramref name="FailsWith"/> fails when it
/// is done, with that HTTP status and reason.
/// </summary>
public sealed record CannedResult(
    IReadOnlyList<(string Name, string Type)> Fields, IReadOnlyList<IReadOnlyList<string?[]>> Pages, int IncompletePolls = 0, TimeSpan RunsFor = default,
    (int Status, string Reason)? FailsWith = null);
