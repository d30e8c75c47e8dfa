using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatIngest.Tests.Support;
using DuckDB.NET.Data;

namespace ChatIngest.Tests.Hosting;

/// <summary>Start-up as a user sees it: the real process, its working directory, its settings.</summary>
public sealed partial class StartupTests : IDisposable
{
    private readonly string directory = TempPaths.NewDirectory();

    public void Dispose() => TempPaths.TryDelete(directory);

    private Task<ChildProcess.Result> RunAsync(Dictionary<string, string?> environment) =>
        ChildProcess.RunServiceAsync([], directory, environment);

    [Fact]
    public void TheServiceIsBuiltForWorkstationGc()
    {
        // docs/performance.md: on the 1–2 cores it runs on, server GC's per-core heaps cost memory and pushes per second.
        // The MSBuild property is ServerGarbageCollection; a misspelt one is ignored and the Web SDK's server GC stays.
        var config = Path.ChangeExtension(ChildProcess.ApiAssembly, ".runtimeconfig.json");
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(config));
        var properties = json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.False(properties.GetProperty("System.GC.Server").GetBoolean());
    }

    [Theory]
    [InlineData("Warehouse__Kind", "Snowflake", "Warehouse__Kind")]
    [InlineData("Warehouse__DuckDbPath", "", "Warehouse__DuckDbPath")]
    [InlineData("Warehouse__Kind", "BigQuery", "Warehouse__ProjectId")]
    [InlineData("Warehouse__DuckDbCheckpointRows", "10", "Warehouse__DuckDbCheckpointRows")]
    [InlineData("Warehouse__DuckDbCheckpointOrderRows", "10", "Warehouse__DuckDbCheckpointOrderRows")]
    [InlineData("PORT", "http", "PORT")]
    [InlineData("PORT", "70000", "PORT")]
    [InlineData("Hosting__ShutdownTimeout", "soon", "Hosting__ShutdownTimeout")]
    [InlineData("Ingest__QueueCapacity", "0", "Ingest__QueueCapacity")]
    [InlineData("Ingest__QueueCapacityBytes", "1000", "Ingest__QueueCapacityBytes must be between 1048576 and 68719476736; it is 1000.")]
    [InlineData("Ingest__CommitRetryBudget", "00:00:00.005", "Ingest__CommitRetryBudget must be between 00:00:00.0100000 and 00:10:00; it is 00:00:00.0050000.")] // Polly's shortest timeout
    [InlineData("Warehouse__DuckDbIdleCheckpointAfter", "00:00:00.001", "Warehouse__DuckDbIdleCheckpointAfter is 00:00:00.0010000, must be at least")] // a timer of half of it
    [InlineData("Warehouse__DuckDbLoadInterval", "00:00:00.001", "Warehouse__DuckDbLoadInterval is 00:00:00.0010000, must be at least")] // the loader looks every quarter of it
    [InlineData("Push__MaxBodyBytes", "0", "Push__MaxBodyBytes")]
    [InlineData("PushAuth__Audience", "https://chatingest.test/pubsub/push", "PushAuth__ServiceAccountEmail")]
    [InlineData("PushAuth__SignatureCheckedByCloudRun", "true", "PushAuth__SignatureCheckedByCloudRun")]
    [InlineData("Ingest__QueueCapacity", "abc", "Ingest__QueueCapacity")]
    [InlineData("Push__Deadline", "4 seconds", "Push__Deadline")]
    [InlineData("Warehouse__DuckDbThreads", "many", "Warehouse__DuckDbThreads")]
    [InlineData("PushAuth__SignatureCheckedByCloudRun", "yes", "PushAuth__SignatureCheckedByCloudRun")]
    [InlineData("Reads__MaxConcurrent", "0", "Reads__MaxConcurrent must be between 1 and 1024; it is 0.")]
    [InlineData("ASPNETCORE_URLS", "localhost:8195", "ASPNETCORE_URLS")]
    [InlineData("ASPNETCORE_URLS", "http://127.0.0.1:99999", "ASPNETCORE_URLS")]
    [InlineData("ASPNETCORE_URLS", "http://127.0.0.1:-1", "ASPNETCORE_URLS")]
    [InlineData("ASPNETCORE_URLS", "ftp://127.0.0.1:8195", "ASPNETCORE_URLS")]
    [InlineData("ASPNETCORE_URLS", "http://192.0.2.1:8195", "http://192.0.2.1:8195 names 192.0.2.1, which is not an address of this machine")] // TEST-NET-1: no machine has it
    [InlineData("Logging__LogLevel__Default", "Nope", "Logging__LogLevel__Default is 'Nope'")]
    [InlineData("Logging__Console__LogLevel__Microsoft.AspNetCore", "loud", "Logging__Console__LogLevel__Microsoft.AspNetCore is 'loud'")]
    [InlineData("Logging__LogLevel__Microsoft__AspNetCore", "Nope", "Logging__LogLevel__Microsoft__AspNetCore is 'Nope'")] // a category written as a path
    [InlineData("Logging__Console__FormatterName", "cloudloging", "Logging__Console__FormatterName is 'cloudloging', which is not a console log format")] // taken silently for the default text before
    public async Task ABadSettingStopsStartUpWithOneLineNamingIt(string key, string value, string named)
    {
        var result = await RunAsync(new() { [key] = value });

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal); // no stack trace anywhere
    }

    [Theory]
    [InlineData("Logging__Console__FormatterName", "Ingest__QueueCapacity", "-1", "Ingest__QueueCapacity")] // the options' validation
    [InlineData("Logging__Console__FormatterName", "PORT", "http", "PORT")] // a check of the service's own, before the host is built
    [InlineData("ASPNETCORE_Logging__Console__FormatterName", "Ingest__QueueCapacity", "-1", "Ingest__QueueCapacity")] // the host's own sources
    public async Task WithTheImagesLogFormatABadSettingsLineIsOneJsonObjectWithSeverityError(string format, string key, string value, string named)
    {
        // Cloud Logging gives a text line no severity: an alert on errors missed a revision that could not start.
        var result = await RunAsync(new() { [key] = value, [format] = "cloudlogging" });

        Assert.Equal(2, result.ExitCode);
        var line = JsonDocument.Parse(Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))).RootElement;
        Assert.Equal("ERROR", line.GetProperty("severity").GetString());
        Assert.StartsWith("chatingest: ", line.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(named, line.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetupReadsTheAppsettingsBesideTheBinariesAsTheServiceDoesNotOneInTheWorkingDirectory()
    {
        // An appsettings.json in the working directory that would stop start-up: the service never reads it, and setup
        // must not either, or it would set up another warehouse than the one the service then opens.
        await File.WriteAllTextAsync(Path.Combine(directory, "appsettings.json"), """{"Warehouse":{"Kind":"Snowflake"}}""");

        var result = await ChildProcess.RunServiceAsync(["setup"], directory);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.True(File.Exists(Path.Combine(directory, "data", "chatingest.duckdb")), result.Output);
    }

    [Fact]
    public async Task AnHttpsUrlWithNoCertificateToServeItStopsStartUpWithOneLine()
    {
        // A home of its own: no development certificate in its store, as on a machine that never ran dotnet dev-certs.
        // A port the system just handed out, not a fixed one another process on the machine may hold ("in use" instead).
        var result = await RunAsync(new() { ["ASPNETCORE_URLS"] = $"https://127.0.0.1:{FreePorts.Next()}", ["HOME"] = directory });

        // Kestrel alone knows where its certificates may be, so it says so inside the host's start, whose failure log
        // comes first; then one line, and a bad setting's exit code, not an abort (134) with the stack trace again.
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("chatingest: cannot listen on https: Unable to configure HTTPS endpoint.", line, StringComparison.Ordinal);
        Assert.Contains("Kestrel__Certificates__Default__Path", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:{0}")]
    [InlineData("http://localhost:{0}")]
    [InlineData("http://*:{0}")]
    public async Task APortAnotherProcessHoldsStopsStartUpWithOneLineAndNoHostFailureLog(string url)
    {
        using var other = new TcpListener(IPAddress.Any, 0);
        other.Start();
        var taken = string.Format(CultureInfo.InvariantCulture, url, ((IPEndPoint)other.LocalEndpoint).Port);

        var result = await RunAsync(new() { ["ASPNETCORE_URLS"] = taken, ["Warehouse__DuckDbPath"] = Path.Combine(directory, "w.duckdb") });

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains($"cannot listen: {taken} is in use", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATakenUrlDoesNotStopAServiceThatListensOnAKestrelEndpointInstead()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var taken = $"http://127.0.0.1:{((IPEndPoint)other.LocalEndpoint).Port}";

        await using var service = await ServiceProcess.StartAsync(
            Path.Combine(directory, "w.duckdb"), new Dictionary<string, string> { ["ASPNETCORE_URLS"] = taken },
            workingDirectory: directory, listenVia: ListenVia.KestrelEndpoint);

        using var health = await service.Client.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task ADatabasePathUnderAFileSaysTheFileIsInTheWay()
    {
        var file = Path.Combine(directory, "plain-file");
        await File.WriteAllTextAsync(file, "not a directory");

        var result = await RunAsync(new() { ["Warehouse__DuckDbPath"] = Path.Combine(file, "sub", "w.duckdb") });

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains($"'{file}' is a file, not a directory", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ServiceProcess.SigTerm, 143, "SIGTERM")]
    [InlineData(ServiceProcess.SigInt, 130, "Ctrl-C (SIGINT)")]
    public async Task ASignalWhileTheWarehouseOpensEndsTheProcessWithALineSayingSo(int signal, int exitCode, string named)
    {
        // A FIFO where the DuckDB file should be: DuckDB waits in its first read of it, as an open that takes long does.
        var path = Path.Combine(directory, "slow.duckdb");
        Assert.Equal(0, Fifo.Make(path));
        await using var service = await ServiceProcess.StartAsync(path, waitUntilHealthy: false);
        await Wait.UntilAsync(() => service.Output.Contains("Opening the warehouse", StringComparison.Ordinal), "the open");

        service.Signal(signal);

        Assert.Equal(exitCode, await service.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Matches(
            $@"(?m)^chatingest: {Regex.Escape(named)} while the warehouse was opening \([\d.]+ s\): stopped before serving; nothing was acknowledged, and the next start opens it again\.$",
            service.Output);
    }

    [Fact]
    public async Task AFileThatIsNotADuckDbDatabaseStopsStartUpWithOneLine()
    {
        var path = Path.Combine(directory, "not-a-db.duckdb");
        await File.WriteAllTextAsync(path, "this is a text file, not a database");

        var result = await RunAsync(new() { ["Warehouse__DuckDbPath"] = path });

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains("Warehouse__DuckDbPath", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("chat.json")]
    [InlineData("conversations.json")] // its view would be named like a table of the service's
    [InlineData("orders.csv")]
    [InlineData("replay.ndjson")]
    public async Task ADataFileDuckDbWouldOpenInMemoryStopsStartUpWithOneLineAndIsLeftAsItWas(string name)
    {
        // DuckDB opens an existing CSV or JSON file as an in-memory database with a view over it: a service started on
        // one would acknowledge pushes and keep none of them past its journal.
        var path = Path.Combine(directory, name);
        var content = name.EndsWith(".csv", StringComparison.Ordinal)
            ? "orderId,cityCode\n1,IST\n"
            : string.Join('\n', File.ReadLines(TempPaths.SharedData("conversations.json")).Take(3)) + "\n";
        await File.WriteAllTextAsync(path, content);

        var result = await RunAsync(new() { ["Warehouse__DuckDbPath"] = path });

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith($"chatingest: Warehouse__DuckDbPath '{path}' cannot be opened: DuckDB opened it as a data file", line, StringComparison.Ordinal);
        Assert.Equal(content, await File.ReadAllTextAsync(path));
        Assert.Equal([path], Directory.GetFiles(directory));
    }

    [Fact]
    public async Task PortSetListensThereAndTheDefaultFileIsCreatedWithTablesAndView()
    {
        await using (var service = await ServiceProcess.StartAsync(databasePath: null, workingDirectory: directory, listenVia: ListenVia.Port))
        {
            service.Signal(ServiceProcess.SigTerm);
            Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        var file = Path.Combine(directory, "data", "chatingest.duckdb");
        Assert.True(File.Exists(file), "data/chatingest.duckdb was not created in the working directory");
        using var connection = new DuckDBConnection($"Data Source={file}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT table_name, table_type FROM information_schema.tables ORDER BY table_name";
        var objects = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                objects.Add($"{reader.GetString(0)}:{reader.GetString(1)}");
            }
        }

        Assert.Equal(["conversations:BASE TABLE", "customer_courier_conversations:VIEW", "dead_letters:BASE TABLE", "ingest_journal:BASE TABLE", "orders:BASE TABLE"], objects);
    }

    [Fact]
    public async Task UrlsArgumentWinsOverPort()
    {
        // PORT=1 could not be bound; the service comes up healthy on its --urls address instead.
        await using var service = await ServiceProcess.StartAsync(
            Path.Combine(directory, "urls.duckdb"), new Dictionary<string, string> { ["PORT"] = "1" });
        using var ready = await service.Client.GetAsync("/readyz");
        Assert.True(ready.IsSuccessStatusCode);
    }

    private static partial class Fifo
    {
        [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Make(string path, uint mode = 0x180); // 0600
    }
}
