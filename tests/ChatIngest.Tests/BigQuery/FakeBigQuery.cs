using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.BigQuery;

/// <summary>
/// An in-process BigQuery REST server on 127.0.0.1 (a real Kestrel on a free port) that speaks the wire format of
/// GCP.md §4–6. It checks the shape of every request (a wrong one is answered 400 and noted in
/// <see cref="Violations"/>), keeps inserted rows per table with insertId dedupe, and can be told to fail.
/// It does not run SQL: DDL is recognised by its first words, other queries are answered by <see cref="Answer"/>.
/// </summary>
public sealed partial class FakeBigQuery : IAsyncDisposable
{
    public const string Project = "demo-project";
    public const string Dataset = "chat";
    public const string Location = "EU";
    private const int MaxBodyBytes = 9_000_000;

    private LoopbackServer server = null!;
    private int insertCalls;

    private FakeBigQuery()
    {
    }

    public string Endpoint { get; private set; } = "";

    public ConcurrentQueue<string> Violations { get; } = new();

    public ConcurrentQueue<FakeRequest> Requests { get; } = new();

    public ConcurrentDictionary<string, bool> Datasets { get; } = new();

    /// <summary>Where a dataset is, when not in <see cref="Location"/> (made by someone else, say).</summary>
    public ConcurrentDictionary<string, string> DatasetLocations { get; } = new();

    /// <summary>Tables and views by name (in <see cref="Dataset"/>).</summary>
    public ConcurrentDictionary<string, FakeTable> Tables { get; } = new();

    /// <summary>Decides the fate of the N-th insertAll call (1-based) into a table: null lets it through.</summary>
    public Func<string, int, FakeFailure?> InsertFailure { get; set; } = (_, _) => null;

    /// <summary>insertAll calls whose rows were stored but whose answer was an error, per table.</summary>
    public ConcurrentDictionary<string, int> LostAnswers { get; } = new();

    /// <summary>A row this returns a message for is answered <c>invalid</c> with that message.</summary>
    public Func<string, JsonObject, string?> InvalidRow { get; set; } = (_, _) => null;

    /// <summary>For (table, call number, row): a retryable row reason such as <c>backendError</c>, or null.</summary>
    public Func<string, int, JsonObject, string?> RetryableRowError { get; set; } = (_, _, _) => null;

    public int InsertCalls => Volatile.Read(ref insertCalls);

    /// <summary>
    /// False: the caller lacks the project's <c>bigquery.datasets.create</c>, so creating a dataset is 403, whether it
    /// exists or not (BigQuery checks the right first).
    /// </summary>
    public bool MayCreateDatasets { get; set; } = true;

    /// <summary>
    /// How many more <c>datasets.get</c> calls answer 404 for a dataset that exists: one made by someone else between a
    /// caller's lookup and its create, which then answers 409.
    /// </summary>
    public int DatasetLookupsBeforeItIsThere { get; set; }

    public static async Task<FakeBigQuery> StartAsync(bool withTables = true)
    {
        var fake = new FakeBigQuery();
        fake.server = await LoopbackServer.StartAsync(fake.Map);
        fake.Endpoint = fake.server.Address.ToString();
        if (withTables)
        {
            fake.Datasets[Dataset] = true;
            foreach (var table in new[] { "orders", "conversations", "dead_letters" })
            {
                fake.Tables[table] = new FakeTable(table, IsView: false);
            }
        }

        return fake;
    }

    /// <summary>Settings that point ChatIngest at this fake (configuration keys).</summary>
    public Dictionary<string, string?> Settings(string retryBudget = "00:00:20", string requestTimeout = "00:00:05") => new()
    {
        ["Warehouse:Kind"] = "BigQuery",
        ["Warehouse:ProjectId"] = Project,
        ["Warehouse:Dataset"] = Dataset,
        ["Warehouse:Location"] = Location,
        ["Warehouse:BigQueryEndpoint"] = Endpoint,
        ["Warehouse:BigQueryRetryBudget"] = retryBudget,
        ["Warehouse:BigQueryRequestTimeout"] = requestTimeout,
    };

    public IReadOnlyList<JsonObject> Rows(string table) => Tables.TryGetValue(table, out var t) ? t.Snapshot() : [];

    public ValueTask DisposeAsync() => server.DisposeAsync();

    private void Map(WebApplication app)
    {
        const string projectPath = "/bigquery/v2/projects/{project}";
        app.Use(async (http, next) =>
        {
            if (http.Request.Headers.Authorization.Count > 0)
            {
                Violations.Enqueue($"{http.Request.Path}: Authorization sent to a non-Google endpoint");
            }

            await next(http);
        });
        app.MapPost(projectPath + "/datasets", CreateDatasetAsync);
        app.MapGet(projectPath + "/datasets/{dataset}", GetDataset);
        app.MapGet(projectPath + "/datasets/{dataset}/tables/{table}", GetTable);
        app.MapPost(projectPath + "/datasets/{dataset}/tables/{table}/insertAll", InsertAllAsync);
        app.MapPost(projectPath + "/queries", QueryAsync);
        app.MapGet(projectPath + "/queries/{jobId}", GetQueryResultsAsync);
        app.MapPost(projectPath + "/jobs/{jobId}/cancel", CancelJobAsync);
        app.MapGet(projectPath + "/jobs/{jobId}", GetJob);
        app.MapFallback((HttpContext http) => Reject(http, $"unknown path {http.Request.Method} {http.Request.Path}"));
    }

    private async Task<IResult> CreateDatasetAsync(HttpContext http, string project)
    {
        var body = await ReadBodyAsync(http);
        if (body is null || project != Project)
        {
            return Reject(http, "dataset create: bad body or project");
        }

        var reference = body["datasetReference"];
        if ((string?)reference?["projectId"] != Project || (string?)reference?["datasetId"] is not { Length: > 0 } id
            || (string?)body["location"] != Location)
        {
            return Reject(http, $"dataset create: datasetReference/location wrong in {body.ToJsonString()}");
        }

        if (!MayCreateDatasets)
        {
            return Error(403, "accessDenied", $"Access Denied: Project {Project}: User does not have bigquery.datasets.create permission in project {Project}.");
        }

        return Datasets.TryAdd(id, true) ? Results.Json(body) : Error(409, "duplicate", $"Already Exists: Dataset {Project}:{id}");
    }

    private IResult GetDataset(HttpContext http, string project, string dataset)
    {
        Record(http, null);
        var missed = Datasets.ContainsKey(dataset) && DatasetLookupsBeforeItIsThere > 0;
        if (missed)
        {
            DatasetLookupsBeforeItIsThere--;
        }

        return project == Project && Datasets.ContainsKey(dataset) && !missed
            ? Results.Json(new { datasetReference = new { projectId = project, datasetId = dataset }, location = DatasetLocations.GetValueOrDefault(dataset, Location) })
            : Error(404, "notFound", $"Not found: Dataset {project}:{dataset}");
    }

    private IResult GetTable(HttpContext http, string project, string dataset, string table)
    {
        Record(http, null);
        return project == Project && Datasets.ContainsKey(dataset) && Tables.TryGetValue(table, out var found)
            ? Results.Json(new JsonObject
            {
                ["tableReference"] = new JsonObject { ["projectId"] = project, ["datasetId"] = dataset, ["tableId"] = table },
                ["type"] = found.IsView ? "VIEW" : "TABLE",
                ["schema"] = new JsonObject { ["fields"] = found.Fields.DeepClone() },
            })
            : Error(404, "notFound", $"Not found: Table {project}:{dataset}.{table}");
    }

    internal static IResult Error(int status, string reason, string message) => Results.Json(
        new { error = new { code = status, message, errors = new[] { new { reason, message, domain = "global" } } } }, statusCode: status);

    private IResult Reject(HttpContext http, string problem)
    {
        Violations.Enqueue(problem);
        Record(http, null);
        return Error(400, "invalid", problem);
    }

    private void Record(HttpContext http, JsonObject? body) =>
        Requests.Enqueue(new FakeRequest(http.Request.Method, http.Request.Path.Value ?? "", http.Request.QueryString.Value ?? "", body));

    private async Task<JsonObject?> ReadBodyAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        if (buffer.Length >= MaxBodyBytes)
        {
            Violations.Enqueue($"{http.Request.Path}: body of {buffer.Length} bytes is not under 9 MB");
        }

        if (http.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) != true)
        {
            Violations.Enqueue($"{http.Request.Path}: Content-Type {http.Request.ContentType}");
        }

        try
        {
            var body = JsonNode.Parse(buffer.ToArray()) as JsonObject;
            Record(http, body);
            return body;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>One request the fake received.</summary>
public sealed record FakeRequest(string Method, string Path, string Query, JsonObject? Body);

/// <summary>How an insertAll call fails: an HTTP status (and reason), optionally after storing; late by Delay (status 200: only late).</summary>
public sealed record FakeFailure(int Status, string Reason = "backendError", bool AfterStoring = false, TimeSpan Delay = default);
