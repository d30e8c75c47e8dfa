using ChatIngest.Tests.Support;
using DuckDB.NET.Data;

namespace ChatIngest.Tests.Hosting;

/// <summary>Start-up as a user sees it: the real process, its working directory, its settings.</summary>
public sealed class StartupTests : IDisposable
{
    private readonly string directory = TempPaths.NewDirectory();

    public void Dispose() => TempPaths.TryDelete(directory);

    [Theory]
    [InlineData("Warehouse__Kind", "Snowflake", "Warehouse__Kind")]
    [InlineData("Warehouse__DuckDbPath", "", "Warehouse__DuckDbPath")]
    [InlineData("PORT", "http", "PORT")]
    [InlineData("PORT", "70000", "PORT")]
    [InlineData("Warehouse__Kind", "BigQuery", "Warehouse__ProjectId")]
    public async Task ABadSettingStopsStartUpWithOneLineNamingIt(string key, string value, string named)
    {
        using var api = ApiProcess.Start(directory, new Dictionary<string, string> { [key] = value });

        var exitCode = await api.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        var lines = api.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", api.StandardOutput, StringComparison.Ordinal); // no stack trace anywhere
    }

    [Fact]
    public async Task AFileThatIsNotADuckDbDatabaseStopsStartUpWithOneLine()
    {
        var path = Path.Combine(directory, "not-a-db.duckdb");
        await File.WriteAllTextAsync(path, "this is a text file, not a database");
        using var api = ApiProcess.Start(directory, new Dictionary<string, string> { ["Warehouse__DuckDbPath"] = path });

        Assert.NotEqual(0, await api.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var line = Assert.Single(api.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains("Warehouse__DuckDbPath", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortSetListensThereAndTheDefaultFileIsCreatedWithTablesAndView()
    {
        var port = ApiProcess.FreePort();
        using (var api = ApiProcess.Start(directory, new Dictionary<string, string> { ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) }))
        {
            await api.WaitUntilHealthyAsync($"http://127.0.0.1:{port}", TimeSpan.FromSeconds(60));
            api.Signal(15);
            Assert.Equal(0, await api.WaitForExitAsync(TimeSpan.FromSeconds(30)));
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

        Assert.Equal(["conversations:BASE TABLE", "customer_courier_conversations:VIEW", "dead_letters:BASE TABLE", "orders:BASE TABLE"], objects);
    }

    [Fact]
    public async Task UrlsArgumentWinsOverPort()
    {
        var port = ApiProcess.FreePort();
        using var api = ApiProcess.Start(directory, new Dictionary<string, string> { ["PORT"] = "1" }, "--urls", $"http://127.0.0.1:{port}");
        await api.WaitUntilHealthyAsync($"http://127.0.0.1:{port}", TimeSpan.FromSeconds(60));
    }
}
