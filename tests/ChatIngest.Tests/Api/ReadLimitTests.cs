using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ChatIngest.Tests.Api;

/// <summary>
/// Reads of the warehouse run a few at a time, with a bounded queue: a burst of slow reads (a /stats over a large view)
/// gets 503s past it, and pushes go on meanwhile.
/// </summary>
public sealed class ReadLimitTests
{
    private static readonly DateTime Published = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task OnBigQueryReadsThatOnlyWaitOnItRunSixteenAtOnceByDefaultWhateverTheCores()
    {
        // A BigQuery read holds no thread while its job runs: limited to one per core (one on Cloud Run), a slow /stats
        // made every other read of the instance wait, or (with no queue) refused it.
        await using var fake = await BigQuery.FakeBigQuery.StartAsync();
        fake.Answer = q => new BigQuery.CannedResult(BigQuery.BigQueryReadTests.ConversationFields, [[]], RunsFor: TimeSpan.FromSeconds(10));
        var settings = fake.Settings();
        settings["Reads:MaxQueued"] = "0"; // what does not run at once is refused, so the count shows
        await using var app = new ChatIngestApp(settings);
        var client = app.CreateClient();

        var running = Enumerable.Range(0, 16).Select(_ => client.GetAsync("/conversations")).ToArray();
        await Wait.UntilAsync(() => fake.Queries.Count == 16, "16 reads at BigQuery at once"); // each job runs 10 s
        using var seventeenth = await client.GetAsync("/conversations");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, seventeenth.StatusCode); // still a limit
        Assert.Contains("16 reads are running", JsonDocument.Parse(await seventeenth.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        foreach (var answer in await Task.WhenAll(running))
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            answer.Dispose();
        }
    }

    [Fact]
    public async Task ReadsPastTheLimitAndItsQueueGet503WhilePushesAreStillTaken()
    {
        var warehouse = new ControlledWarehouse();
        warehouse.HoldReads(); // queries that take long
        await using var app = new ChatIngestApp(
            new Dictionary<string, string?> { ["Reads:MaxConcurrent"] = "2", ["Reads:MaxQueued"] = "3" },
            configureServices: warehouse.Register);
        var client = app.CreateClient();
        // ASP.NET Core's own count of the requests its rate limiter holds in its queue, from this app's meters only.
        using var queuedAtLimiter = new MetricCollector<long>(
            app.Services.GetRequiredService<IMeterFactory>(), "Microsoft.AspNetCore.RateLimiting", "aspnetcore.rate_limiting.queued_requests");

        var running = new[] { client.GetAsync("/stats"), client.GetAsync("/conversations") };
        await Wait.UntilAsync(() => warehouse.ReadsInside == 2, "two reads in the warehouse");
        var queued = Enumerable.Range(0, 3).Select(_ => client.GetAsync("/stats")).ToArray();
        await Wait.UntilAsync(() => queuedAtLimiter.GetMeasurementSnapshot().Sum(m => m.Value) == 3, "three reads in the limiter's queue");
        Assert.Equal(2, warehouse.ReadsInside);

        using var refused = await client.GetAsync("/dead-letters");
        using var push = await client.PushAsync(Payloads.CourierStart(7), "m-7", Published);
        warehouse.ReleaseReads();
        var answered = await Task.WhenAll(running.Concat(queued));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("Reads__MaxConcurrent", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, push.StatusCode);
        Assert.All(answered, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        foreach (var r in answered)
        {
            r.Dispose();
        }
    }
}
