using System.Net;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Dashboard;

public sealed class DashboardPageTests : IDisposable
{
    private readonly ChatIngestApp app = new();

    public void Dispose() => app.Dispose();

    [Fact]
    public async Task HomePageLinksTheDashboardSwaggerAndTheConversations()
    {
        var client = app.CreateClient();

        using var response = await client.GetAsync("/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("href=\"/dashboard\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/swagger\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/conversations\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DashboardIsHtmlThatLoadsOnlyScriptsServedByThisService()
    {
        var client = app.CreateClient();

        using var response = await client.GetAsync("/dashboard");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var sources = System.Text.RegularExpressions.Regex.Matches(html, "(?:src|href)=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("/dashboard/assets/vendor/chart.js/chart.umd.min.js", sources);
        Assert.All(sources, s => Assert.True(s.StartsWith('/') || s.StartsWith("data:", StringComparison.Ordinal), $"{s} is not served by this service"));
    }

    [Theory]
    [InlineData("/dashboard/assets/dashboard.js", "text/javascript", "fetch('/stats'")]
    [InlineData("/dashboard/assets/dashboard.css", "text/css", ".grid")]
    [InlineData("/dashboard/assets/vendor/chart.js/chart.umd.min.js", "text/javascript", "Chart.js v4.5.1")]
    [InlineData("/dashboard/assets/vendor/chart.js/LICENSE.md", "text/plain", "The MIT License")]
    public async Task DashboardAssetIsServedWithItsContentType(string path, string mediaType, string fragment)
    {
        using var response = await app.CreateClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(fragment, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownDashboardAssetIsNotFound()
    {
        using var response = await app.CreateClient().GetAsync("/dashboard/assets/vendor/chart.js/chart.umd.min.js.map");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
