using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatIngest.Core.Messages;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Stats;

public sealed class StatsEndpointTests : IDisposable
{
    private readonly ChatIngestApp app = new();

    public void Dispose() => app.Dispose();

    [Fact]
    public async Task StatsOfTheReplayedSeedMatchWhatTheInputSays()
    {
        var client = app.CreateClient();
        var seed = TempPaths.SharedData("conversations.json");
        await ReplayAsync(client, seed);

        var stats = await client.GetJsonAsync("/stats");

        var expected = ExpectedStats.FromNdjson(seed);
        Assert.Equal(400, expected.Conversations.Count); // VIEW.md: the sample holds 400 orders
        expected.AssertMatches(stats);
    }

    [Fact]
    public async Task PercentilesAreRoundedToMillisecondsSoNoFloatingPointNoiseShows()
    {
        var client = app.CreateClient();
        await ReplayAsync(client, TempPaths.SharedData("conversations.json"));

        var stats = await client.GetJsonAsync("/stats");

        // Delays are whole seconds, so a continuous percentile is exact at a tenth of a second; interpolating in doubles
        // gives values such as 52.599999999999994, which the answer must not carry.
        var percentiles = stats.GetProperty("cities").EnumerateArray()
            .SelectMany(c => new[] { c.GetProperty("median_first_response_seconds"), c.GetProperty("p90_first_response_seconds") })
            .Where(p => p.ValueKind == JsonValueKind.Number)
            .Select(p => p.GetDouble())
            .ToList();
        Assert.NotEmpty(percentiles);
        Assert.All(percentiles, p => Assert.Equal(Math.Round(p, 3), p));
    }

    [Fact]
    public async Task StatsCountOnlyConversationsStartedInsideTheWindowAfterInclusiveBeforeExclusive()
    {
        var client = app.CreateClient();
        var seed = TempPaths.SharedData("conversations.json");
        await ReplayAsync(client, seed);
        // Both bounds are exact start times of conversations, so the inclusive and exclusive ends both matter.
        var starts = ExpectedStats.FromNdjson(seed).Conversations.Select(c => c.StartedAt).Distinct().Order().ToList();
        var after = starts[starts.Count / 4];
        var before = starts[starts.Count / 2];

        var stats = await client.GetJsonAsync($"/stats?started_after={Rfc3339.Format(after)}&started_before={Rfc3339.Format(before)}");

        var expected = ExpectedStats.FromNdjson(seed).Window(after, before);
        Assert.Contains(expected.Conversations, c => c.StartedAt == after);
        Assert.DoesNotContain(expected.Conversations, c => c.StartedAt == before);
        expected.AssertMatches(stats);
    }

    [Fact]
    public async Task StatsWithOnlyOneBoundUseThatBoundAlone()
    {
        var client = app.CreateClient();
        var seed = TempPaths.SharedData("conversations.json");
        await ReplayAsync(client, seed);
        var noon = new DateTime(2024, 2, 1, 12, 0, 0, DateTimeKind.Utc);
        var expected = ExpectedStats.FromNdjson(seed);

        expected.Window(noon, null).AssertMatches(await client.GetJsonAsync("/stats?started_after=2024-02-01T13:00:00%2B01:00"));
        expected.Window(null, noon).AssertMatches(await client.GetJsonAsync("/stats?started_before=2024-02-01T12:00:00Z"));
    }

    [Fact]
    public async Task ConversationWithoutOrderEventCountsUnderNullCityListedLastWithNoPercentiles()
    {
        var client = app.CreateClient();
        var published = new DateTime(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);
        await PushAsync(client, """{"orderId":1,"cityCode":"ZRH"}""", "1", published);
        await PushAsync(client, Chat(1, "Courier Android", "2024-02-01T10:00:00Z", "ACCEPTED"), "2", published);
        await PushAsync(client, Chat(1, "Customer iOS", "2024-02-01T10:00:41.9Z", "ACCEPTED"), "3", published);
        await PushAsync(client, Chat(2, "Customer iOS", "2024-02-01T10:05:00Z", "PENDING"), "4", published);

        var stats = await client.GetJsonAsync("/stats");

        var cities = stats.GetProperty("cities").EnumerateArray().ToList();
        Assert.Equal(2, cities.Count);
        Assert.Equal("ZRH", cities[0].GetProperty("city_code").GetString());
        Assert.Equal(41.0, cities[0].GetProperty("median_first_response_seconds").GetDouble());
        Assert.Equal(JsonValueKind.Null, cities[1].GetProperty("city_code").ValueKind);
        Assert.Equal(1, cities[1].GetProperty("started_by_customer").GetInt64());
        Assert.Equal(JsonValueKind.Null, cities[1].GetProperty("median_first_response_seconds").ValueKind);
        Assert.Equal(JsonValueKind.Null, cities[1].GetProperty("p90_first_response_seconds").ValueKind);
    }

    [Fact]
    public async Task StatsOfAnEmptyWarehouseAreZerosAndEmptyLists()
    {
        var stats = await app.CreateClient().GetJsonAsync("/stats");

        Assert.Equal(0, stats.GetProperty("conversations").GetInt64());
        Assert.Equal(0, stats.GetProperty("messages").GetInt64());
        Assert.Empty(stats.GetProperty("cities").EnumerateArray());
        Assert.Empty(stats.GetProperty("last_stages").EnumerateArray());
        Assert.Empty(stats.GetProperty("started_per_minute").EnumerateArray());
    }

    [Theory]
    [InlineData("started_after", "yesterday")]
    [InlineData("started_before", "2024-02-01T10:00:00")]
    public async Task BadWindowBoundGets400ProblemNamingTheParameter(string parameter, string value)
    {
        using var response = await app.CreateClient().GetAsync($"/stats?{parameter}={Uri.EscapeDataString(value)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith(parameter, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwappedWindowBoundsGet400ProblemWhileEqualBoundsAreAnEmptyWindow()
    {
        var client = app.CreateClient();

        using var swapped = await client.GetAsync("/stats?started_after=2024-02-01T12:00:00Z&started_before=2024-02-01T11:59:59Z");
        Assert.Equal(HttpStatusCode.BadRequest, swapped.StatusCode);
        var problem = await swapped.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("started_after (2024-02-01T12:00:00Z) is later than started_before", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var empty = await client.GetJsonAsync("/stats?started_after=2024-02-01T12:00:00Z&started_before=2024-02-01T12:00:00Z");
        Assert.Equal(0, empty.GetProperty("conversations").GetInt64());
    }

    private static async Task ReplayAsync(HttpClient client, string path)
    {
        using var body = new StringContent(await File.ReadAllTextAsync(path), Encoding.UTF8, "application/x-ndjson");
        using var response = await client.PostAsync("/replay", body);
        response.EnsureSuccessStatusCode();
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, result.GetProperty("invalid").GetInt64()); // the expectation reads every line as valid
    }

    private static async Task PushAsync(HttpClient client, string json, string messageId, DateTime published)
    {
        using var response = await client.PushAsync(json, messageId, published);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private static string Chat(long orderId, string sender, string sentAt, string stage) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"senderAppType":"{{sender}}","courierId":7,"fromId":7,"toId":8,"chatStartedByMessage":false,"orderId":{{orderId}},"orderStage":"{{stage}}","customerId":8,"messageSentTime":"{{sentAt}}"}""");
}
