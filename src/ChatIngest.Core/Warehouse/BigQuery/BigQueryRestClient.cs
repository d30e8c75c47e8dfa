using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ChatIngest.Core.Ingest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>
/// BigQuery's REST API as ChatIngest uses it (GCP.md §4–6), over HttpClient because the official client library is not
/// available here; this is the one file to swap for it. Every call goes through one Polly pipeline: transient answers
/// (429, 5xx, 403 rate/quota) and requests that outlast <see cref="WarehouseOptions.BigQueryRequestTimeout"/> are retried
/// with exponential backoff and jitter inside <see cref="WarehouseOptions.BigQueryRetryBudget"/>; past it the call throws
/// <see cref="WarehouseUnavailableException"/>. A query is polled until done, within <see cref="WarehouseOptions.BigQueryQueryTimeout"/>.
/// </summary>
internal sealed partial class BigQueryRestClient : IDisposable
{
    public const string HttpClientName = "BigQuery";

    /// <summary>
    /// The longest a query call asks BigQuery to wait for the job (<c>timeoutMs</c>): short, so that each call ends well
    /// inside the retry budget and the request timeout, and a long query is polled until <see cref="WarehouseOptions.BigQueryQueryTimeout"/>.
    /// </summary>
    private static readonly TimeSpan LongestServerWait = TimeSpan.FromSeconds(2);

    private readonly IHttpClientFactory httpClients;
    private readonly GoogleAccess access;
    private readonly WarehouseOptions settings;
    private readonly ResiliencePipeline pipeline;
    private readonly string projectPath;
    private readonly TimeProvider time;
    private readonly long serverWaitMs;
    private readonly ILogger logger;

    public BigQueryRestClient(
        IHttpClientFactory httpClients, GoogleAccess access, IOptions<WarehouseOptions> options, TimeProvider time, ILogger<BigQueryRestClient> logger)
    {
        this.httpClients = httpClients;
        this.access = access;
        settings = options.Value;
        this.time = time;
        this.logger = logger;
        costRefusals = new RefusalWindow(time, CostRefusalLogWindow, (count, seconds) => LogCostLimitCount(logger, count, seconds));
        // Half the query timeout at most too, so that the first call's answer (the job's id) comes back before a read
        // gives up on it, and the job can be cancelled.
        var serverWait = TimeSpan.FromTicks(Math.Min(LongestServerWait.Ticks,
            Math.Min(settings.BigQueryQueryTimeout.Ticks, Math.Min(settings.BigQueryRequestTimeout.Ticks, settings.BigQueryRetryBudget.Ticks)) / 2));
        serverWaitMs = Math.Max(1, (long)serverWait.TotalMilliseconds);
        projectPath = $"{settings.BigQueryEndpoint.TrimEnd('/')}/bigquery/v2/projects/{Uri.EscapeDataString(settings.ProjectId ?? "")}";
        pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddTimeout(settings.BigQueryRetryBudget)
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<BigQueryException>(e => e.IsTransient)
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>(),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(2),
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    LogRetry(logger, args.AttemptNumber + 1, args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(settings.BigQueryRequestTimeout)
            .Build();
    }

    private string DatasetPath => $"{projectPath}/datasets/{Uri.EscapeDataString(settings.Dataset ?? "")}";

    /// <summary>Creates the dataset in <see cref="WarehouseOptions.Location"/>; false when it existed (409).</summary>
    public async Task<bool> CreateDatasetAsync(CancellationToken cancellationToken)
    {
        var body = Json(w =>
        {
            w.WriteStartObject("datasetReference");
            w.WriteString("projectId", settings.ProjectId);
            w.WriteString("datasetId", settings.Dataset);
            w.WriteEndObject();
            w.WriteString("location", settings.Location);
        });
        try
        {
            using var _ = await SendAsync(HttpMethod.Post, $"{projectPath}/datasets", body, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (BigQueryException e) when (e.IsAlreadyExists)
        {
            return false;
        }
    }

    /// <summary>Where the dataset is (datasets.get's <c>location</c>); null when there is no such dataset.</summary>
    public async Task<string?> DatasetLocationAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var answer = await SendAsync(HttpMethod.Get, DatasetPath, null, cancellationToken).ConfigureAwait(false);
            return answer.RootElement.StringOf("location");
        }
        catch (BigQueryException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// A table's kind (<c>tables.get</c>'s <c>type</c>: TABLE, VIEW, …) and columns (<c>schema.fields</c>), or null when
    /// there is no such table.
    /// </summary>
    public async Task<(string Type, IReadOnlyList<TableSchema.Field> Fields)?> TableSchemaAsync(string table, CancellationToken cancellationToken)
    {
        try
        {
            using var answer = await SendAsync(HttpMethod.Get, $"{DatasetPath}/tables/{Uri.EscapeDataString(table)}", null, cancellationToken).ConfigureAwait(false);
            var type = answer.RootElement.StringOf("type") ?? "TABLE";
            if (!answer.RootElement.TryGetProperty("schema", out var schema) || !schema.TryGetProperty("fields", out var fields)
                || fields.ValueKind != JsonValueKind.Array)
            {
                return (type, []);
            }

            return (type, [.. fields.EnumerateArray().Select(f => new TableSchema.Field(
                f.StringOf("name") ?? "", f.StringOf("type") ?? "", f.StringOf("mode") ?? "NULLABLE"))]);
        }
        catch (BigQueryException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// One <c>tabledata.insertAll</c> request (skipInvalidRows=false). BigQuery answers 200 even when rows failed: the
    /// per-row errors are returned, by index into <paramref name="rows"/>.
    /// </summary>
    public async Task<IReadOnlyList<InsertError>> InsertAllAsync(string table, IReadOnlyList<InsertRow> rows, CancellationToken cancellationToken)
    {
        var body = Json(w =>
        {
            w.WriteBoolean("skipInvalidRows", false);
            w.WriteBoolean("ignoreUnknownValues", false);
            w.WriteStartArray("rows");
            foreach (var row in rows)
            {
                w.WriteStartObject();
                w.WriteString("insertId", row.InsertId);
                w.WritePropertyName("json");
                w.WriteRawValue(row.Json, skipInputValidation: true);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
        using var answer = await SendAsync(HttpMethod.Post, $"{DatasetPath}/tables/{Uri.EscapeDataString(table)}/insertAll", body, cancellationToken)
            .ConfigureAwait(false);
        return InsertError.Read(answer.RootElement);
    }

    private Task<JsonDocument> SendAsync(HttpMethod method, string url, byte[]? body, CancellationToken cancellationToken) =>
        SendWithRetriesAsync(method, url, ct => SendOnceAsync(method, url, body, ct), cancellationToken);

    /// <summary>Sends what <paramref name="attempt"/> sends, again as the retry rules say, within the retry budget.</summary>
    private async Task<JsonDocument> SendWithRetriesAsync(HttpMethod method, string url, Func<CancellationToken, Task<JsonDocument>> attempt, CancellationToken cancellationToken)
    {
        try
        {
            return await pipeline.ExecuteAsync(
                static async (attempt, ct) => await attempt(ct).ConfigureAwait(false), attempt, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WarehouseUnavailableException(
                $"BigQuery did not answer {method} {new Uri(url).AbsolutePath} within Warehouse__BigQueryRetryBudget ({settings.BigQueryRetryBudget}).", e);
        }
    }

    private async Task<JsonDocument> SendOnceAsync(HttpMethod method, string url, byte[]? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        if (await access.AuthorizationAsync(cancellationToken).ConfigureAwait(false) is { } authorization)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await httpClients.CreateClient(HttpClientName)
            .SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw QueryResults.Error(response.StatusCode, bytes);
        }

        return bytes.Length == 0 ? JsonDocument.Parse("{}") : JsonDocument.Parse(bytes);
    }

    private static byte[] Json(Action<Utf8JsonWriter> writeProperties)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writeProperties(writer);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    [LoggerMessage(EventId = 314, Level = LogLevel.Warning, Message = "BigQuery call attempt {Attempt} failed ({Error}); retrying")]
    private static partial void LogRetry(ILogger logger, int attempt, string? error);
}

/// <summary>One row for <c>insertAll</c>: its dedupe id and its <c>json</c> object, already serialised.</summary>
internal sealed record InsertRow(string InsertId, byte[] Json);
