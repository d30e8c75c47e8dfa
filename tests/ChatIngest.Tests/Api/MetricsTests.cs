using System.Net;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Api;

/// <summary><c>/metrics</c> (Prometheus text) shows the ingest counters move with pushes.</summary>
[Collection(SoloCollection.Name)]
public sealed class MetricsTests
{
    private static readonly DateTime Published = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task MetricsCountReceivedStoredDuplicateAndInvalidPushes()
    {
        await using var app = new ChatIngestApp();
        var client = app.CreateClient();
        var before = await client.ScrapeAsync();

        foreach (var (json, id) in new[]
        {
            (Payloads.CourierStart(1), "m-1"),
            (Payloads.CourierStart(2), "m-2"),
            (Payloads.CourierStart(1), "m-1-published-again"),
            ("{not json", "m-bad"),
        })
        {
            using var response = await client.PushAsync(json, id, Published);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var after = await client.ScrapeAsync();
        double Delta(string name) => after.GetValueOrDefault(name) - before.GetValueOrDefault(name);

        Assert.Equal(4, Delta("chatingest_messages_received_total"));
        Assert.Equal(2, Delta("chatingest_messages_stored_total{kind=\"chat_message\"}"));
        Assert.Equal(1, Delta("chatingest_messages_duplicate_total"));
        Assert.Equal(1, Delta("chatingest_messages_invalid_total"));
        Assert.Equal(4, Delta("chatingest_batch_size_sum"));
        Assert.True(Delta("chatingest_batch_size_count") >= 1);
        Assert.Equal(Delta("chatingest_batch_size_count"), Delta("chatingest_commit_duration_seconds_count"));
        Assert.True(after.ContainsKey("chatingest_queue_depth"), "the queue depth gauge is missing");
        Assert.Equal(0, after["chatingest_queue_bytes"]); // every push answered: nothing left waiting

        // Buckets in seconds, from below a millisecond to the longest commit retry budget, 10 min (not milliseconds'
        // 0-10,000; not 10 s, which put a commit retried for deploy/'s 20 s budget in +Inf).
        var bounds = after.Keys.Where(k => k.StartsWith("chatingest_commit_duration_seconds_bucket{", StringComparison.Ordinal))
            .Select(k => k.Split("le=\"")[1].Split('"')[0]).Where(le => le != "+Inf")
            .Select(le => double.Parse(le, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.InRange(bounds.Where(b => b > 0).Min(), 0, 0.001);
        Assert.True(bounds.Max() >= 600, $"the largest bucket is {bounds.Max()} s, under Ingest__CommitRetryBudget's 10 min");
    }
}
