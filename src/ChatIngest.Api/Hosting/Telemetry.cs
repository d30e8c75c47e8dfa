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
        // default is "unknown_service:dotnet" and no instance), a backend mixed the instances' series into one. These are
        // defaults: the SDK's own detector, added after them, lets OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME win.
        // K_REVISION is the Cloud Run revision.
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.Clear()
                .AddService("chatingest", serviceVersion: builder.Configuration["K_REVISION"], autoGenerateServiceInstanceId: true)
                .AddTelemetrySdk()
                .AddEnvironmentVariableDetector())
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

    public static WebApplication MapMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }
}
