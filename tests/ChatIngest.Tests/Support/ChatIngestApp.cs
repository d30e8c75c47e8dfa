using System.Net;
using ChatIngest.Core.Warehouse;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatIngest.Tests.Support;

/// <summary>
/// The real service in-process on a real DuckDB file in a fresh temp folder (deleted on dispose unless kept for a
/// restart test). Extra settings use configuration keys (<c>Section:Key</c>).
/// </summary>
public sealed class ChatIngestApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> settings;
    private readonly Action<IServiceCollection>? configureServices;
    private readonly bool ownsDirectory;
    private IDisposable? warehouse;

    public ChatIngestApp(
        IDictionary<string, string?>? settings = null,
        string? databasePath = null,
        Action<IServiceCollection>? configureServices = null)
    {
        this.settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        this.configureServices = configureServices;
        ownsDirectory = databasePath is null;
        DatabasePath = databasePath ?? TempPaths.NewDatabasePath();
    }

    public string DatabasePath { get; }

    /// <summary>
    /// Starts the service on real Kestrel at a loopback port the OS picks, for clients that need a socket (a browser,
    /// the CLI); its address. The URLs every test app gets (<see cref="ConfigureWebHost"/>) already say the same.
    /// </summary>
    public Uri ServeOnLoopback()
    {
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        StartServer();
        return new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Warehouse:DuckDbPath", DatabasePath);

        // The in-memory test server listens nowhere, but start-up checks that the URLs are free: without this it
        // tries the default localhost:8080, and a service the developer runs there fails every test.
        builder.UseSetting("urls", "http://127.0.0.1:0");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        if (configureServices is not null)
        {
            builder.ConfigureServices(configureServices);
        }
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        warehouse = host.Services.GetService<IWarehouse>() as IDisposable; // opened by start-up already
        return host;
    }

    /// <summary>
    /// Stops the service and returns once its warehouse is closed. The factory's own dispose can return first: the
    /// program's <c>RunAsync</c> disposes the same services on its own thread, and a second dispose returns at once.
    /// A restart test that opened the file again meanwhile would have two DuckDB instances on it.
    /// </summary>
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing)
        {
            return;
        }

        warehouse?.Dispose(); // waits under the warehouse's lock for a close in progress, or closes it (a no-op after)
        if (ownsDirectory)
        {
            TempPaths.TryDelete(Path.GetDirectoryName(DatabasePath)!);
        }
    }
}
