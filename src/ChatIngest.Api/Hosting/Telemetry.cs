using ChatIngest.Core.Ingest;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace ChatIngest.Api.Hosting;

/// <summary>
/// Metrics out: the <c>ChatIngest</c> meter (<see cref="IngestMetrics"/>) and ASP.NET Core's own, scraped by
/// Prometheus at <c>/metrics</c>, and pushed over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
internal static class Telemetry
{
    public const string MetricsPath = "/metrics";

    public static WebApplicationBuilder AddChatIngestTelemetry(this WebApplicationBuilder builder)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        // Each instance exports its own cumulative counters: without a service and an instance of their own (the SDK's
        // default is "unknown_service:dotnet" and no instance), a backend mixed the instances' series into one.
        // OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) still names the service; K_REVISION is the
        // Cloud Run revision.
        var service = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } named ? named
            : ServiceNameIn(builder.Configuration["OTEL_RESOURCE_ATTRIBUTES"]) ?? "chatingest";
        var revision = builder.Configuration["K_REVISION"];
        builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService(service, serviceVersion: revision, autoGenerateServiceInstanceId: true))
            .WithMetrics(metrics =>
        {
            metrics.AddMeter(IngestMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel");
            // No scrape cache: a scrape right after a push shows it (scrapes are rare, collecting is cheap).
            metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
            if (otlp)
            {
                metrics.AddOtlpExporter();
            }
        });
        return builder;
    }

    /// <summary><c>service.name</c> in <c>OTEL_RESOURCE_ATTRIBUTES</c> (<c>key=value,…</c>, values percent-encoded), if there.</summary>
    internal static string? ServiceNameIn(string? attributes) =>
        (attributes ?? "").Split(',', StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair.Length == 2 && pair[0].Trim() == "service.name" && pair[1].Trim().Length > 0)
            .Select(pair => Uri.UnescapeDataString(pair[1].Trim()))
            .LastOrDefault();

    public static WebApplication MapMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }
}
