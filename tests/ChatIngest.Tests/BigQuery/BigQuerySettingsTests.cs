using System.Net;
using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.BigQuery;
using ChatIngest.Core.Warehouse.DuckDb;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ChatIngest.Tests.BigQuery;

public sealed class BigQuerySettingsTests
{
    [Fact]
    public async Task MissingBigQuerySettingsStopStartUpWithOneLineNamingThem()
    {
        var result = await RunServiceAsync(["--Warehouse:Kind=BigQuery"]);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("chatingest: ", line, StringComparison.Ordinal);
        Assert.Contains("Warehouse__ProjectId is missing", line, StringComparison.Ordinal);
        Assert.Contains("Warehouse__Dataset is missing", line, StringComparison.Ordinal);
        Assert.Contains("Warehouse__Location is missing", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BigQueryRetryBudget")]
    [InlineData("BigQueryRequestTimeout")]
    [InlineData("BigQueryQueryTimeout")]
    public async Task ABigQueryTimeoutTooShortForItsTimerStopsStartUpWithOneLineNamingIt(string setting)
    {
        // 5 ms: more than 0, but Polly takes no timeout under 10 ms, and the start ended with its stack trace (the retry
        // budget and the request timeout; the query timeout, no Polly timeout, has the same floor, and meant nothing so short).
        var result = await RunServiceAsync(
            ["--Warehouse:Kind=BigQuery", "--Warehouse:ProjectId=p", "--Warehouse:Dataset=d", "--Warehouse:Location=EU",
             "--Warehouse:BigQueryEndpoint=http://127.0.0.1:9/", $"--Warehouse:{setting}=00:00:00.005"]);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"Warehouse__{setting} is '00:00:00.0050000', must be at least 00:00:00.010", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABytesBilledLimitUnderWhatBigQueryBillsAnyReadStopsStartUpWithOneLineNamingIt()
    {
        var result = await RunServiceAsync(
            ["--Warehouse:Kind=BigQuery", "--Warehouse:ProjectId=p", "--Warehouse:Dataset=d", "--Warehouse:Location=EU",
             "--Warehouse:BigQueryEndpoint=http://127.0.0.1:9/", "--Warehouse:BigQueryMaximumBytesBilled=20971519"]); // a byte under the view's two tables' least

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Warehouse__BigQueryMaximumBytesBilled is 20971519, must be at least 20971520", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GoogleEndpointWithoutApplicationDefaultCredentialsStopsStartUpWithOneLine()
    {
        var result = await RunServiceAsync(
            ["--Warehouse:Kind=BigQuery", "--Warehouse:ProjectId=p", "--Warehouse:Dataset=d", "--Warehouse:Location=EU"],
            new Dictionary<string, string?> { ["GOOGLE_APPLICATION_CREDENTIALS"] = "/nonexistent/adc.json" });

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Application Default Credentials are not available", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetupCommandWithMissingSettingsExitsWithTheLineNamingThem()
    {
        var result = await RunServiceAsync(["setup", "--Warehouse:Kind=BigQuery", "--Warehouse:ProjectId=p"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Warehouse__Dataset is missing", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WarehouseIsChosenFromTheSettingsTheTestHostGives()
    {
        await using var fake = await FakeBigQuery.StartAsync();
        using var bigQuery = new ChatIngestApp(fake.Settings());
        using var duckDb = new ChatIngestApp();

        Assert.IsType<BigQueryWarehouse>(bigQuery.Services.GetRequiredService<IWarehouse>());
        Assert.IsType<DuckDbWarehouse>(duckDb.Services.GetRequiredService<IWarehouse>());
    }

    [Fact]
    public async Task ServiceListensOnPortEvenWhenTheBaseImageSetsAspNetCoreHttpPorts()
    {
        var port = FreePorts.Next();
        var directory = TempPaths.NewDirectory();
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ChildProcess.ApiAssembly);
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["ASPNETCORE_HTTP_PORTS"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Warehouse__DuckDbPath"] = Path.Combine(directory, "w.duckdb");
        using var process = System.Diagnostics.Process.Start(start)!;
        try
        {
            using var client = new HttpClient();
            HttpStatusCode? status = null;
            for (var attempt = 0; attempt < 300 && status is null && !process.HasExited; attempt++)
            {
                try
                {
                    status = (await client.GetAsync($"http://127.0.0.1:{port}/healthz")).StatusCode;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100);
                }
            }

            Assert.Equal(HttpStatusCode.OK, status);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            TempPaths.TryDelete(directory);
        }
    }

    private static Task<ChildProcess.Result> RunServiceAsync(string[] args, Dictionary<string, string?>? environment = null) =>
        ChildProcess.RunServiceAsync(args, TempPaths.NewDirectory(), environment);
}
