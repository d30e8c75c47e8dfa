using Microsoft.Extensions.Options;

namespace ChatIngest.Core.Warehouse;

/// <summary>Checked at start: each failure names the setting and what is wrong with it.</summary>
public sealed class WarehouseOptionsValidator : IValidateOptions<WarehouseOptions>
{
    public ValidateOptionsResult Validate(string? name, WarehouseOptions options)
    {
        var failures = new List<string>();
        if (!options.IsDuckDb && !options.IsBigQuery)
        {
            failures.Add($"Warehouse__Kind is '{options.Kind}', must be '{WarehouseOptions.DuckDbKind}' or '{WarehouseOptions.BigQueryKind}'.");
        }

        if (options.IsDuckDb)
        {
            if (string.IsNullOrWhiteSpace(options.DuckDbPath))
            {
                failures.Add("Warehouse__DuckDbPath is empty, must be the path of the DuckDB file.");
            }
            else if (options.DuckDbPath.IndexOfAny(Path.GetInvalidPathChars()) >= 0 || Directory.Exists(options.DuckDbPath))
            {
                failures.Add($"Warehouse__DuckDbPath '{options.DuckDbPath}' is not a usable file path.");
            }

            if (options.DuckDbCheckpointWalMegabytes is < 1 or > 16_384)
            {
                failures.Add($"Warehouse__DuckDbCheckpointWalMegabytes is {options.DuckDbCheckpointWalMegabytes}, must be from 1 to 16384.");
            }

            if (options.DuckDbCheckpointRows is < 1_000 or > 100_000_000)
            {
                failures.Add($"Warehouse__DuckDbCheckpointRows is {options.DuckDbCheckpointRows}, must be from 1000 to 100000000.");
            }

            if (options.DuckDbCheckpointOrderRows is < 1_000 or > 100_000_000)
            {
                failures.Add($"Warehouse__DuckDbCheckpointOrderRows is {options.DuckDbCheckpointOrderRows}, must be from 1000 to 100000000.");
            }

            if (options.DuckDbMemoryLimitMegabytes is < 32 or > 1_048_576)
            {
                failures.Add($"Warehouse__DuckDbMemoryLimitMegabytes is {options.DuckDbMemoryLimitMegabytes}, must be from 32 to 1048576 (or unset for DuckDB's default).");
            }

            if (options.DuckDbThreads is < 1 or > 1024)
            {
                failures.Add($"Warehouse__DuckDbThreads is {options.DuckDbThreads}, must be from 1 to 1024 (or unset for one per core).");
            }

            // The loader looks every quarter of it: under 4 ms that is no wait at all, and the thread spins.
            if (options.DuckDbLoadInterval < TimeSpan.FromMilliseconds(4) || options.DuckDbLoadInterval > TimeSpan.FromMinutes(1))
            {
                failures.Add($"Warehouse__DuckDbLoadInterval is {options.DuckDbLoadInterval}, must be at least 00:00:00.004 and at most 00:01:00.");
            }

            if (options.DuckDbMaxPendingRows is < 1_000 or > 10_000_000)
            {
                failures.Add($"Warehouse__DuckDbMaxPendingRows is {options.DuckDbMaxPendingRows}, must be from 1000 to 10000000.");
            }

            if (options.DuckDbRecentKeys is < 1_000 or > 100_000_000)
            {
                failures.Add($"Warehouse__DuckDbRecentKeys is {options.DuckDbRecentKeys}, must be from 1000 to 100000000.");
            }

            if (options.DuckDbIdleCheckpointAfter < ShortestTimeout.Value || options.DuckDbIdleCheckpointAfter > TimeSpan.FromHours(1))
            {
                failures.Add($"Warehouse__DuckDbIdleCheckpointAfter is {options.DuckDbIdleCheckpointAfter}, must be at least {ShortestTimeout.Text} and at most 01:00:00.");
            }
        }

        if (options.IsBigQuery)
        {
            foreach (var (key, value) in new[] { ("ProjectId", options.ProjectId), ("Dataset", options.Dataset), ("Location", options.Location) })
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    failures.Add($"Warehouse__{key} is missing; it is required when Warehouse__Kind is BigQuery.");
                }
            }

            if (!Uri.TryCreate(options.BigQueryEndpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
            {
                failures.Add($"Warehouse__BigQueryEndpoint '{options.BigQueryEndpoint}' is not an http(s) URL.");
            }

            foreach (var (key, value) in new[] { ("BigQueryRetryBudget", options.BigQueryRetryBudget), ("BigQueryRequestTimeout", options.BigQueryRequestTimeout), ("BigQueryQueryTimeout", options.BigQueryQueryTimeout) })
            {
                if (value < ShortestTimeout.Value || value > TimeSpan.FromMinutes(10))
                {
                    failures.Add($"Warehouse__{key} is '{value}', must be at least {ShortestTimeout.Text} and at most 00:10:00.");
                }
            }

            if (options.BigQueryMaximumBytesBilled is < BigQuery.QueryCostLimitException.LeastBytesBilled)
            {
                failures.Add($"Warehouse__BigQueryMaximumBytesBilled is {options.BigQueryMaximumBytesBilled}, must be at least {BigQuery.QueryCostLimitException.LeastBytesBilled} (BigQuery bills at least 10 MB for each table a query reads, and the view reads two), or unset for the project's default.");
            }

            if (options.BigQueryInsertConcurrency is < 1 or > 64)
            {
                failures.Add($"Warehouse__BigQueryInsertConcurrency is {options.BigQueryInsertConcurrency}, must be from 1 to 64.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
