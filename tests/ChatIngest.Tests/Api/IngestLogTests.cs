using System.Net;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Api;

/// <summary>Structured log lines: message ids on dead letters and refusals; push auth being off said once.</summary>
public sealed class IngestLogTests
{
    private static readonly DateTime Published = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task PushAuthOffIsLoggedOnceAtStart()
    {
        var logs = new CapturedLogs();
        await using var app = new ChatIngestApp(configureServices: logs.Register);
        var client = app.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.PushAsync(Payloads.CourierStart(i + 1), $"m-{i}", Published);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var off = Assert.Single(logs.Entries, e => e.EventId == 304 && e.Category.EndsWith("PushLog", StringComparison.Ordinal));
        Assert.Contains("OFF", off.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParkedMessageIsLoggedWithItsIdAndReason()
    {
        var logs = new CapturedLogs();
        await using var app = new ChatIngestApp(configureServices: logs.Register);

        using var response = await app.CreateClient().PushAsync("[1,2,3]", "parked-7", Published);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var parked = Assert.Single(logs.Entries, e => e.EventId == 104 && e.Category.EndsWith("IngestWriter", StringComparison.Ordinal));
        Assert.Equal("parked-7", parked.Values["MessageId"]);
        Assert.Equal("not_object", parked.Values["Reason"]);
    }

    [Fact]
    public async Task TheFirstRefusedPushIsLoggedWithItsMessageIdAndTheRestAreCountedInOneLine()
    {
        var logs = new CapturedLogs();
        await using (var app = WithWarehouseDown(logs, "00:00:00.050"))
        {
            var client = app.CreateClient();
            for (var i = 0; i < 5; i++)
            {
                using var response = await client.PushAsync(Payloads.CourierStart(i + 1), $"refused-{i}", Published);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            }

            var first = Assert.Single(logs.Entries, e => e.EventId == 302 && e.Category.EndsWith("PushLog", StringComparison.Ordinal));
            Assert.Equal("refused-0", first.Values["MessageId"]);
        }

        // Well inside the 10 s window, so the other four are one line, written as the service stops.
        var counted = Assert.Single(logs.Entries, e => e.EventId == 307);
        Assert.Equal(4L, counted.Values["Count"]);
        Assert.Single(logs.Entries, e => e.EventId == 302); // still the first one alone: the stop logged none of the four on its own
    }

    [Fact]
    public async Task ACommitThatKeepsFailingCarriesTheStackTraceOnlyOnItsFirstRetry()
    {
        var logs = new CapturedLogs();
        await using var app = WithWarehouseDown(logs, "00:00:02"); // room for two retries on a slow machine

        using var response = await app.CreateClient().PushAsync(Payloads.CourierStart(5), "refused-5", Published);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var retries = logs.Entries.Where(e => e.EventId == 100).ToList();
        Assert.True(retries.Count >= 2, $"{retries.Count} retries in 2 s");
        Assert.NotNull(retries[0].Exception);
        Assert.All(retries.Skip(1), r => Assert.Null(r.Exception));
        Assert.All(retries, r => Assert.Contains(ControlledWarehouse.FailureMessage, r.Message, StringComparison.Ordinal));
    }

    /// <summary>The service with every write failing, each commit given up after <paramref name="commitRetryBudget"/>.</summary>
    private static ChatIngestApp WithWarehouseDown(CapturedLogs logs, string commitRetryBudget) => new(
        new Dictionary<string, string?> { ["Ingest:CommitRetryBudget"] = commitRetryBudget },
        configureServices: logs.Register + new ControlledWarehouse { FailWrites = true }.Register);
}
