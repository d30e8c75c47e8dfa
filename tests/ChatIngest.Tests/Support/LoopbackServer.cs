using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatIngest.Tests.Support;

/// <summary>
/// A real HTTP server (Kestrel) on 127.0.0.1 with a port the OS picks: the host of every in-process fake of a remote
/// service (BigQuery, Pub/Sub, Cloud Storage, Google's keys, an OTLP collector). <c>map</c> adds its routes.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private LoopbackServer(WebApplication app) => this.app = app;

    /// <summary>Where it listens, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public Uri Address => new(app.Urls.Single());

    public static async Task<LoopbackServer> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Limits.MaxRequestBodySize = 64 * 1024 * 1024).UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return new LoopbackServer(app);
    }

    /// <summary>A server that answers every request with one handler.</summary>
    public static Task<LoopbackServer> StartAsync(RequestDelegate handler) => StartAsync(app => app.Run(handler));

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
