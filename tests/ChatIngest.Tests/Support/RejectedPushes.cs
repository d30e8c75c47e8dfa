using System.Diagnostics.Metrics;
using ChatIngest.Core.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ChatIngest.Tests.Support;

/// <summary>
/// The pushes an app refused, from its own meters only: other tests' apps, running at the same time in this process,
/// count under the same names, and a <c>/metrics</c> scrape would see theirs too.
/// </summary>
public static class RejectedPushes
{
    public static MetricCollector<long> Of(ChatIngestApp app) =>
        new(app.Services.GetRequiredService<IMeterFactory>(), IngestMetrics.MeterName, "chatingest.push.rejected");

    /// <summary>Each refusal's <c>reason</c>, in order.</summary>
    public static List<string?> Reasons(this MetricCollector<long> rejected) =>
        [.. rejected.GetMeasurementSnapshot().SelectMany(m => Enumerable.Repeat(m.Tags["reason"] as string, (int)m.Value))];
}
