using System.Net;
using System.Text.Json;
using ChatIngest.Tests.Stats;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Dashboard;

public sealed class DashboardBrowserTests : IDisposable
{
    private readonly ChatIngestApp app = new();

    public void Dispose() => app.Dispose();

    [Fact]
    public async Task DashboardInChromiumFillsItselfWhileTheSeedIsReplayedAndShowsEveryCity()
    {
        // Real Kestrel: the browser needs a socket, not the in-memory test server.
        var address = app.ServeOnLoopback();
        var seed = TempPaths.SharedData("conversations.json");
        var screenshots = Path.Combine(TempPaths.RepositoryRoot(), "artifacts", "dashboard");

        var report = await BrowserRun.DriveDashboardAsync(address, seed, screenshots);

        var expected = ExpectedStats.FromNdjson(seed);
        var cities = expected.Cities.Select(g => g.Key!).ToList();
        Assert.Equal(20, cities.Count); // the seed's 20 cities, every conversation with its order event
        Assert.Empty(Strings(report.GetProperty("consoleErrors")));
        Assert.Empty(Strings(report.GetProperty("failedRequests")));
        Assert.Equal(200, report.GetProperty("status").GetInt32());
        Assert.Equal("0", report.GetProperty("totalsBeforeReplay").GetProperty("total-conversations").GetString());
        Assert.Equal(200, report.GetProperty("replay").GetProperty("status").GetInt32());

        // Loaded before the replay and never reloaded: these come from the page's own polling.
        var totals = report.GetProperty("totalsAfterReplay");
        Assert.Equal(expected.Conversations.Count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), totals.GetProperty("total-conversations").GetString());
        Assert.Equal(expected.Messages.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), totals.GetProperty("total-messages").GetString());
        Assert.Equal("20", totals.GetProperty("total-cities").GetString());
        Assert.Equal(cities, Strings(report.GetProperty("tableCities")));
        var labels = report.GetProperty("chartLabels");
        Assert.Equal(cities, Strings(labels.GetProperty("chart-response")));
        Assert.Equal(cities, Strings(labels.GetProperty("chart-starters")));
        Assert.Equal(expected.LastStages.Select(s => s.Stage), Strings(labels.GetProperty("chart-stages")));
        Assert.NotEmpty(Strings(labels.GetProperty("chart-minutes")));

        // Accessible: every axis titled, every chart has a text alternative, a phone-wide page does not scroll sideways.
        foreach (var axes in report.GetProperty("axisTitles").EnumerateObject())
        {
            Assert.All(Strings(axes.Value), title => Assert.False(string.IsNullOrWhiteSpace(title), $"{axes.Name} has an untitled axis"));
        }

        Assert.All(Strings(report.GetProperty("ariaLabels")), label => Assert.False(string.IsNullOrWhiteSpace(label)));
        Assert.Equal(0, report.GetProperty("phoneOverflowPixels").GetInt32());
        Assert.All(Strings(report.GetProperty("screenshots")), path => Assert.True(new FileInfo(path).Length > 10_000, $"{path} is missing or blank"));
    }

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString() ?? "").ToList();
}
