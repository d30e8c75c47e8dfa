using System.Diagnostics.Metrics;
using System.Net;
using ChatIngest.Core.Ingest;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ChatIngest.Tests.Api;

/// <summary>
/// A replay during an outage stores what it can and says to send it again; sending it again is safe.
/// (A push during an outage: <see cref="BackpressureTests"/>.)
/// </summary>
public sealed class WarehouseOutageTests
{
    [Fact]
    public async Task ReplayDuringAnOutageGets503AndReplayingAgainAfterwardsStoresEverything()
    {
        var warehouse = new ControlledWarehouse { FailWrites = true };
        await using var app = new ChatIngestApp(
            new Dictionary<string, string?> { ["Ingest:CommitRetryBudget"] = "00:00:00.300", ["Ingest:RetryAfterSeconds"] = "7" },
            configureServices: warehouse.Register);
        var client = app.CreateClient();
        var body = string.Join("\n", SeedData.Lines.Take(50));
        using var failedCommits = new MetricCollector<long>(app.Services.GetRequiredService<IMeterFactory>(), IngestMetrics.MeterName, "chatingest.commit.failed");

        using (var refused = await client.PostAsync("/replay", new StringContent(body)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
        }

        Assert.True(failedCommits.GetMeasurementSnapshot().Sum(m => m.Value) >= 1, "a commit that failed past its budget was not counted");

        warehouse.FailWrites = false;
        using var accepted = await client.PostAsync("/replay", new StringContent(body));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Contains("\"duplicates\":0", await accepted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
