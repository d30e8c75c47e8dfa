using ChatIngest.Api.Hosting;
using ChatIngest.Core;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.BigQuery;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Setup;

/// <summary>
/// <c>chatingest setup</c>: creates the warehouse's dataset, tables and view if missing, prints what it did, exits.
/// It reads the same settings as the service. Exit code 0 when done, 1 when the warehouse refused, 2 for a bad setting.
/// </summary>
internal static class SetupCommand
{
    public const int FailedExitCode = 1;

    public static bool IsRequested(string[] args) => args.Length > 0 && args[0] == "setup";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var result = 0;
        var settingsCode = await StartupErrors.RunAsync(new StartupLines(error, json: false), async () => result = await SetupAsync(args[1..], output, error));
        return settingsCode != 0 ? settingsCode : result;
    }

    private static async Task<int> SetupAsync(string[] args, TextWriter output, TextWriter error)
    {
        // appsettings.json from beside the binaries, as the service reads it (Program.cs).
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        LogLevels.ThrowIfInvalid(builder.Configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddWarehouse(builder.Configuration);
        using var host = builder.Build();
        host.Services.GetService<IStartupValidator>()?.Validate();
        var settings = host.Services.GetRequiredService<IOptions<WarehouseOptions>>().Value;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            var warehouse = host.Services.GetRequiredService<IWarehouse>();
            await warehouse.InitializeAsync(timeout.Token);
            if (settings.IsBigQuery)
            {
                await host.Services.GetRequiredService<BigQuerySetup>().RunAsync(output.WriteLine, timeout.Token);
            }
            else
            {
                output.WriteLine($"DuckDB file {Path.GetFullPath(settings.DuckDbPath)}: tables and view ready");
            }

            output.WriteLine("setup: done");
            return 0;
        }
        catch (Exception e) when (e is BigQueryException or WarehouseUnavailableException or HttpRequestException or OperationCanceledException or InvalidSettingException)
        {
            await error.WriteLineAsync($"chatingest setup: {e.Message.Split('\n', 2)[0].Trim()}");
            return FailedExitCode;
        }
    }
}
