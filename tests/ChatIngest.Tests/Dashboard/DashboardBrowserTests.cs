using System.Net;
using System.Text.Json;
using ChatIngest.Tests.Stats;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Dashboard;

public sealed class DashboardBrowserTests : IDisposable
{
    private readonly ChatIngestApp app = new();
    private readonly string files = TempPaths.NewDirectory();

    public void Dispose()
    {
        app.Dispose();
        TempPaths.TryDelete(files);
    }

    [Fact]
    public async Task DashboardInChromiumFillsItselfWhileTheSeedIsReplayedShowsEveryCityAndLinksEachToItsConversations()
    {
        // Real Kestrel: the browser needs a socket, not the in-memory test server.
        var address = app.ServeOnLoopback();
        var seed = TempPaths.SharedData("conversations.json");
        var screenshots = Path.Combine(TempPaths.RepositoryRoot(), "artifacts", "dashboard");

        // Then one conversation whose order event has not arrived, to give the tables a "(no city yet)" row.
        var later = Path.Combine(files, "later.ndjson");
        await File.WriteAllTextAsync(later, Payloads.CourierStart(999_999_999) + "\n");
        var seedAndLater = Path.Combine(files, "seed-and-later.ndjson");
        await File.WriteAllTextAsync(seedAndLater, (await File.ReadAllTextAsync(seed)).TrimEnd('\n') + "\n" + await File.ReadAllTextAsync(later));

        var report = await BrowserRun.DriveDashboardAsync(address, seed, screenshots, later);

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

        // Each city's name in both tables links to its conversations; "(no city yet)" to those without an order event.
        using var client = new HttpClient { BaseAddress = address };
        await AssertCityLinksListTheCitysConversationsAsync(client, report.GetProperty("cityLinks"), expected);
        Assert.Equal(200, report.GetProperty("laterReplay").GetProperty("status").GetInt32());
        var withLater = ExpectedStats.FromNdjson(seedAndLater);
        Assert.Null(withLater.Cities.Last().Key);
        await AssertCityLinksListTheCitysConversationsAsync(client, report.GetProperty("cityLinksAfterLaterReplay"), withLater);

        // A hidden tab asks /stats for nothing over more than one 3 s interval (on BigQuery each poll is a billed query
        // over the view), and asks once, at once, when it is shown.
        Assert.Equal(0, report.GetProperty("statsRequestsWhileHidden").GetInt32());
        Assert.Equal(1, report.GetProperty("statsRequestsWhenShown").GetInt32());
    }

    private static async Task AssertCityLinksListTheCitysConversationsAsync(HttpClient client, JsonElement links, ExpectedStats expected)
    {
        var byTable = links.EnumerateArray().Select(l => (Table: l[0].GetString()!, Name: l[1].GetString()!, Href: l[2].GetString()!)).ToLookup(l => l.Table);
        Assert.Equal(["table-response", "table-starters"], byTable.Select(t => t.Key).Order());
        foreach (var table in byTable)
        {
            Assert.Equal(expected.Cities.Select(g => g.Key ?? "(no city yet)"), table.Select(l => l.Name));
            foreach (var (link, city) in table.Zip(expected.Cities))
            {
                var page = await client.GetJsonAsync(link.Href);
                var items = page.GetProperty("items").EnumerateArray().ToList();
                Assert.True(items.Count == city.Count(), $"{link.Href} listed {items.Count} conversations, not {city.Count()}");
                Assert.All(items, item => Assert.Equal(city.Key, item.GetProperty("city_code").GetString()));
                Assert.Equal(JsonValueKind.Null, page.GetProperty("next_page_token").ValueKind);
            }
        }
    }

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString() ?? "").ToList();
}
