using Microsoft.Extensions.Options;

namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>
/// Creates what is missing of the BigQuery warehouse (GCP.md §6): the dataset (409 means it exists), the tables of
/// <c>sql/bigquery/create_*.sql</c> (CREATE TABLE IF NOT EXISTS, so a race with another setup is harmless), after
/// checking that the tables that exist take the columns those scripts declare (<see cref="TableSchema"/>), and the
/// view, which is always replaced so its definition follows <c>view.sql</c>. Reports each step in one line.
/// </summary>
internal sealed class BigQuerySetup(BigQueryRestClient client, IOptions<WarehouseOptions> options)
{
    private static readonly string[] Tables = [BigQueryRows.Orders, BigQueryRows.Conversations, BigQueryRows.DeadLetters];
    private const string View = "customer_courier_conversations";

    public async Task RunAsync(Action<string> report, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var dataset = $"{settings.ProjectId}.{settings.Dataset}";
        // Looked up before it is created: BigQuery checks the right to create datasets (a project's) before whether the
        // dataset exists, and a caller with rights on this dataset only would get 403 for one that is there.
        var location = await client.DatasetLocationAsync(cancellationToken).ConfigureAwait(false);
        if (location is null && await client.CreateDatasetAsync(cancellationToken).ConfigureAwait(false))
        {
            report($"dataset {dataset}: created in {settings.Location}");
        }
        else
        {
            // Made by someone else since it was looked up (the create answered 409): where is it?
            location ??= await client.DatasetLocationAsync(cancellationToken).ConfigureAwait(false);

            // Every query is sent with Warehouse__Location: one that is not the dataset's would fail each read and write.
            if (!string.Equals(location, settings.Location, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidSettingException(
                    $"Warehouse__Location is '{settings.Location}', but dataset {dataset} exists in '{location}'; set Warehouse__Location={location}, or name another dataset.");
            }

            report($"dataset {dataset}: exists, in {location}");
        }

        // Every table that exists is checked before anything is made: one made by something else, or by an older
        // ChatIngest, would take no rows, and the service would find that out only at its first write.
        var existing = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var table in Tables)
        {
            if (await client.TableSchemaAsync(table, cancellationToken).ConfigureAwait(false) is not { } schema)
            {
                continue; // no such table: it is created below
            }

            existing.Add(table);
            var (type, fields) = schema;
            if (type != "TABLE")
            {
                // insertAll writes into tables only: a view (or an external table) by this name takes no rows.
                problems.Add($"{dataset}.{table} ({type}, not a table: drop it with {Drop(table)})");
            }
            else if (TableSchema.Problems(TableSchema.Declared(SqlScripts.Load($"bigquery/create_{table}.sql")), fields) is { Count: > 0 } found)
            {
                problems.Add($"{dataset}.{table} ({string.Join("; ", found)}; mend it with ALTER TABLE, or drop it with {Drop(table)} if its rows may go)");
            }
        }

        // The view is replaced, but CREATE OR REPLACE VIEW cannot replace a table: one by its name would stop setup
        // after the tables were made.
        var view = await client.TableSchemaAsync(View, cancellationToken).ConfigureAwait(false);
        if (view is { Type: not "VIEW" and var viewType })
        {
            problems.Add($"{dataset}.{View} ({viewType} where the view goes: drop it with {Drop(View)} if its rows may go)");
        }

        if (problems.Count > 0)
        {
            throw new InvalidSettingException(
                $"tables exist that would refuse the rows ChatIngest writes: {string.Join(", ", problems)}. Or set Warehouse__Dataset to another dataset.");
        }

        foreach (var table in Tables)
        {
            if (existing.Contains(table))
            {
                report($"table {dataset}.{table}: exists");
                continue;
            }

            await RunDdlAsync(BigQueryWarehouse.ForDataset(settings, $"create_{table}.sql"), cancellationToken).ConfigureAwait(false);
            report($"table {dataset}.{table}: created");
        }

        await RunDdlAsync(BigQueryWarehouse.ForDataset(settings, "view.sql"), cancellationToken).ConfigureAwait(false);
        report($"view {dataset}.{View}: {(view is not null ? "replaced with the current definition" : "created")}");

        string Drop(string name) => $"bq rm -t {settings.ProjectId}:{settings.Dataset}.{name}";
    }

    private async Task RunDdlAsync(string ddl, CancellationToken cancellationToken)
    {
        try
        {
            await client.QueryAsync(ddl, [], cancellationToken).ConfigureAwait(false);
        }
        catch (BigQueryException e) when (e.IsAlreadyExists)
        {
            // created by someone else between our check and our DDL: done
        }
    }
}
