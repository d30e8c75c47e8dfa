// The naive baseline of the push benchmark: the same decode and classification as ChatIngest, then one INSERT per
// request in its own transaction (autocommit) on one DuckDB connection, into the same tables. No queue, no batching.
using System.Text.Json;
using ChatIngest.Bench.Naive;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Warehouse;
using DuckDB.NET.Data;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning); // as ChatIngest.Api's appsettings.json

var path = builder.Configuration["Db"] ?? throw new InvalidOperationException("--Db <file.duckdb> is required");
using var connection = new DuckDBConnection($"Data Source={path}");
connection.Open();
using (var create = connection.CreateCommand())
{
    create.CommandText = SqlScripts.Load("duckdb/tables.sql");
    create.ExecuteNonQuery();
}

var decoder = new PushDecoder(new PayloadClassifier(), TimeProvider.System);
using var inserter = new NaiveInserter(connection);
var app = builder.Build();
app.MapPost("/pubsub/push", async (HttpContext http) =>
{
    var envelope = await JsonSerializer.DeserializeAsync(http.Request.Body, PushEnvelopeJsonContext.Default.PushEnvelope);
    if (decoder.Decode(envelope).Record is not { } record)
    {
        return Results.BadRequest();
    }

    await inserter.InsertAsync(record);
    return Results.NoContent();
});
app.MapGet("/healthz", () => TypedResults.Ok());
await app.RunAsync();
