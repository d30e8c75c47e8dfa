using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatIngest.Tests.Support;
using ChatIngest.Core.Warehouse;

namespace ChatIngest.Tests.Api;

/// <summary>The read side of API.md over the seed data: filters, keyset paging, 404 and 400 problems.</summary>
public sealed class ReadEndpointTests : IClassFixture<ReadEndpointTests.SeededApp>
{
    private readonly HttpClient client;
    private readonly Dictionary<long, ConversationRow> expected = ViewModel.Compute(SeedData.Published);

    public ReadEndpointTests(SeededApp seeded) => client = seeded.Client;

    public sealed class SeededApp : IAsyncLifetime
    {
        private readonly ChatIngestApp app = new();

        public HttpClient Client { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Client = app.CreateClient();
            foreach (var m in SeedData.Published)
            {
                using var response = await Client.PushAsync(m.Json, m.MessageId, m.PublishTime);
                response.EnsureSuccessStatusCode();
            }

            for (var i = 0; i < 5; i++)
            {
                using var response = await Client.PushAsync("{bad", $"dead-{i}", new DateTime(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc));
                response.EnsureSuccessStatusCode();
            }
        }

        public Task DisposeAsync()
        {
            app.Dispose();
            return Task.CompletedTask;
        }
    }

    [Theory]
    [InlineData("city_code=IST")]
    [InlineData("first_message_by=Customer")]
    [InlineData("first_message_by=courier")]
    [InlineData("started_after=2024-02-01T11:00:00Z&started_before=2024-02-01T12:00:00%2B00:00")]
    [InlineData("city_code=LON&first_message_by=Courier&started_after=2024-02-01T12:00:00Z")]
    public async Task FiltersSelectExactlyTheMatchingRows(string query)
    {
        var q = System.Web.HttpUtility.ParseQueryString(query);
        DateTime? after = q["started_after"] is { } a ? DateTimeOffset.Parse(a, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime : null;
        DateTime? before = q["started_before"] is { } b ? DateTimeOffset.Parse(b, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime : null;
        var want = expected.Values
            .Where(r => q["city_code"] is null || r.CityCode == q["city_code"])
            .Where(r => q["first_message_by"] is null || string.Equals(r.FirstMessageBy, q["first_message_by"], StringComparison.OrdinalIgnoreCase))
            .Where(r => after is null || r.ConversationStartedAt >= after)
            .Where(r => before is null || r.ConversationStartedAt < before)
            .Select(r => r.OrderId).Order().ToList();

        var page = await client.GetJsonAsync($"/conversations?limit=1000&{query}");

        Assert.NotEmpty(want);
        Assert.Equal(want, page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("order_id").GetInt64()));
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next_page_token").ValueKind);
    }

    [Fact]
    public async Task BoundsFinerThanAMicrosecondKeepTheirInclusiveAndExclusiveMeaning()
    {
        // Stored times are whole microseconds; a bound 100 ns after a start lies between two of them.
        var row = expected.Values.MinBy(r => r.OrderId)!;
        var justAfterStart = row.ConversationStartedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture) + "1Z";

        var after = await client.GetJsonAsync($"/conversations?limit=1000&started_after={justAfterStart}");
        var before = await client.GetJsonAsync($"/conversations?limit=1000&started_before={justAfterStart}");

        Assert.DoesNotContain(row.OrderId, after.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("order_id").GetInt64()));
        Assert.Contains(row.OrderId, before.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("order_id").GetInt64()));
    }

    [Fact]
    public async Task KeysetPagesCoverEveryRowOnceInOrder()
    {
        var seen = new List<long>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await client.GetJsonAsync("/conversations?limit=7" + (token is null ? "" : "&page_token=" + Uri.EscapeDataString(token)));
            var items = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("order_id").GetInt64()).ToList();
            Assert.InRange(items.Count, 1, 7);
            seen.AddRange(items);
            token = page.GetProperty("next_page_token").GetString();
            pages++;
        }
        while (token is not null);

        Assert.Equal(expected.Keys.Order(), seen);
        Assert.Equal((400 + 6) / 7, pages);
    }

    [Theory]
    [InlineData("/conversations?limit=3")]
    [InlineData("/dead-letters?limit=3")]
    public async Task AnEmptyPageTokenAsksForTheFirstPage(string path)
    {
        var first = await client.GetJsonAsync(path);
        var empty = await client.GetJsonAsync(path + "&page_token=");

        Assert.Equal(first.GetRawText(), empty.GetRawText());
        Assert.Equal(3, empty.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task DefaultPageIs100Rows()
    {
        var page = await client.GetJsonAsync("/conversations");
        Assert.Equal(100, page.GetProperty("items").GetArrayLength());
        Assert.NotNull(page.GetProperty("next_page_token").GetString());
    }

    [Theory]
    [InlineData("/conversations?limit=0", "limit")]
    [InlineData("/conversations?limit=1001", "limit")]
    [InlineData("/conversations?limit=ten", "limit")]
    [InlineData("/conversations?started_after=yesterday", "started_after")]
    [InlineData("/conversations?started_before=2024-02-01", "started_before")]
    [InlineData("/conversations?started_after=2024-02-01T10:00:00+01:00", "write the offset's + as %2B")]
    [InlineData("/conversations?city_code=IST&city_code=LON", "city_code is given 2 times")]
    [InlineData("/dead-letters?reason=not_json&reason=not_json", "reason is given 2 times")]
    [InlineData("/stats?started_after=2024-02-01T10:00:00Z&started_after=2024-02-01T11:00:00Z", "started_after is given 2 times")]
    [InlineData("/conversations?city=IST", "city is not a query parameter of this read.\",\"status\":400,\"detail\":\"This read takes city_code, has_city, first_message_by, started_after, started_before, limit, page_token.")]
    [InlineData("/stats?limit=10", "limit is not a query parameter of this read.\",\"status\":400,\"detail\":\"This read takes started_after, started_before.")]
    [InlineData("/dead-letters?reasons=not_json", "reasons is not a query parameter")]
    [InlineData("/conversations/1?city_code=IST", "This read takes no query parameters.")]
    [InlineData("/conversations?started_after=2024-02-01T12:00:00Z&started_before=2024-02-01T11:00:00Z", "later than started_before")]
    [InlineData("/conversations?first_message_by=Restaurant", "first_message_by")]
    [InlineData("/conversations?has_city=no", "has_city must be true or false; got 'no'.")]
    [InlineData("/conversations?city_code=", "city_code must not be empty; for the conversations whose order event has not arrived (city_code null), use has_city=false.")]
    [InlineData("/conversations?city_code=IST&has_city=false", "city_code=IST and has_city=false match nothing together")]
    [InlineData("/conversations?page_token=garbage", "next_page_token")]
    [InlineData("/dead-letters?limit=-1", "limit")]
    [InlineData("/dead-letters?reason=bogus", "reason must be one of not_base64, empty_data")]
    [InlineData("/dead-letters?page_token=YzE6MTA", "next_page_token")]
    public async Task BadQueryParametersGet400ProblemNamingThem(string path, string named)
    {
        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AQueryParameterIsKnownInAnyCaseAsBindingTakesIt()
    {
        var page = await client.GetJsonAsync("/conversations?LIMIT=5&City_Code=IST");

        Assert.Equal(5, page.GetProperty("items").GetArrayLength());
        Assert.All(page.GetProperty("items").EnumerateArray(), row => Assert.Equal("IST", row.GetProperty("city_code").GetString()));
    }

    [Fact]
    public async Task HasCityFalseListsTheConversationsWhoseOrderEventHasNotArrivedAndTrueTheOthers()
    {
        using var app = new ChatIngestApp();
        var appClient = app.CreateClient();
        var published = new DateTime(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);
        foreach (var orderId in new long[] { 1, 2, 3, 4, 5 })
        {
            using var chat = await appClient.PushAsync(Payloads.CourierStart(orderId), $"chat-{orderId}", published);
            chat.EnsureSuccessStatusCode();
        }

        foreach (var (orderId, city) in new[] { (2L, "IST"), (4L, "LON"), (6L, "AMS") }) // 6: an order event without a chat
        {
            using var order = await appClient.PushAsync(Payloads.Order(orderId, city), $"order-{orderId}", published);
            order.EnsureSuccessStatusCode();
        }

        async Task<long[]> OrderIds(string query) => [.. (await appClient.GetJsonAsync("/conversations?" + query))
            .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("order_id").GetInt64())];

        Assert.Equal(new long[] { 1L, 3L, 5L }, await OrderIds("has_city=false"));
        Assert.Equal(new long[] { 2L, 4L }, await OrderIds("has_city=true"));
        Assert.Equal(new long[] { 2L, 4L }, await OrderIds("has_city=TRUE"));
        Assert.Equal(new long[] { 4L }, await OrderIds("has_city=true&city_code=LON"));
        Assert.Equal(new long[] { 3L, 5L }, await OrderIds("has_city=false&limit=2&page_token=" + Uri.EscapeDataString(PageToken.ForConversation(1))));
        Assert.Equal(new long[] { 1L, 2L, 3L, 4L, 5L }, await OrderIds(""));
    }

    [Fact]
    public async Task ACityCodeFilterMatchesTheWholeValueANulCharacterIncluded()
    {
        // DuckDB binds a text parameter as a C string, which ends at a NUL: "A\0garbage" matched city "A".
        using var app = new ChatIngestApp();
        var appClient = app.CreateClient();
        var published = new DateTime(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);
        foreach (var (orderId, city) in new[] { (1L, "A\\u0000B"), (2L, "A"), (3L, "AB") })
        {
            using var chat = await appClient.PushAsync(Payloads.CourierStart(orderId), $"chat-{orderId}", published);
            using var order = await appClient.PushAsync(Payloads.Order(orderId, city), $"order-{orderId}", published);
            Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent), (chat.StatusCode, order.StatusCode));
        }

        async Task<long[]> OrderIds(string cityCode) => [.. (await appClient.GetJsonAsync("/conversations?city_code=" + Uri.EscapeDataString(cityCode)))
            .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("order_id").GetInt64())];

        Assert.Equal(new[] { 1L }, await OrderIds("A\0B"));
        Assert.Equal(new[] { 2L }, await OrderIds("A"));
        Assert.Empty(await OrderIds("A\0garbage"));
        Assert.Empty(await OrderIds("\0"));
    }

    [Fact]
    public async Task DeadLettersOfOneReasonPageOnTheirOwn()
    {
        using var mixed = new ChatIngestApp();
        var mixedClient = mixed.CreateClient();
        var published = new DateTime(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);
        var payloads = new[] { "{bad", "[]", "{bad", "{\"foo\":1}", "[]", "{bad" };
        for (var i = 0; i < payloads.Length; i++)
        {
            using var response = await mixedClient.PushAsync(payloads[i], $"m-{i}", published);
            response.EnsureSuccessStatusCode();
        }

        async Task<List<string?>> IdsAsync(string reason)
        {
            var items = await mixedClient.GetAllItemsAsync($"/dead-letters?limit=2&reason={reason}");
            Assert.All(items, i => Assert.Equal(reason, i.GetProperty("reason").GetString()));
            return [.. items.Select(i => i.GetProperty("message_id").GetString())];
        }

        Assert.Equal(["m-0", "m-2", "m-5"], (await IdsAsync("not_json")).Order(StringComparer.Ordinal));
        Assert.Equal(["m-1", "m-4"], (await IdsAsync("not_object")).Order(StringComparer.Ordinal));
        Assert.Equal(["m-3"], await IdsAsync("unknown_kind"));
        Assert.Empty(await IdsAsync("too_deep"));
    }

    [Theory]
    [InlineData("/conversations/1", "no row for order 1")]
    [InlineData("/conversations/abc", "whole number")]
    [InlineData("/conversations/99999999999999999999", "whole number")]
    public async Task AnUnknownOrderIs404ProblemSayingWhy(string path, string detail)
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeadLettersPageOldestFirst()
    {
        var first = await client.GetJsonAsync("/dead-letters?limit=3");
        var token = first.GetProperty("next_page_token").GetString();
        Assert.NotNull(token);
        var second = await client.GetJsonAsync("/dead-letters?limit=3&page_token=" + Uri.EscapeDataString(token));

        var ids = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray())
            .Select(i => i.GetProperty("message_id").GetString()).ToList();
        Assert.Equal(["dead-0", "dead-1", "dead-2", "dead-3", "dead-4"], ids);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next_page_token").ValueKind);
        var item = first.GetProperty("items")[0];
        Assert.Equal(["data_base64", "detail", "message_id", "publish_time", "reason", "received_at"],
            item.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/swagger/v1/swagger.json")]
    [InlineData("/swagger/index.html")]
    public async Task OperationalEndpointsAnswer200(string path)
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesEveryEndpoint()
    {
        var paths = (await client.GetJsonAsync("/swagger/v1/swagger.json")).GetProperty("paths");
        foreach (var path in new[] { "/pubsub/push", "/pubsub/push/unwrapped", "/replay", "/conversations", "/conversations/{order_id}", "/dead-letters", "/healthz", "/readyz" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        }
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesQueryParametersByWhatTheyTake()
    {
        var paths = (await client.GetJsonAsync("/swagger/v1/swagger.json")).GetProperty("paths");
        JsonElement Schema(string path, string name) => paths.GetProperty(path).GetProperty("get").GetProperty("parameters")
            .EnumerateArray().Single(p => p.GetProperty("name").GetString() == name).GetProperty("schema");

        var limit = Schema("/conversations", "limit");
        Assert.Equal(("integer", 1, 1000, 100), (limit.GetProperty("type").GetString(), limit.GetProperty("minimum").GetInt32(),
            limit.GetProperty("maximum").GetInt32(), limit.GetProperty("default").GetInt32()));
        Assert.Equal("integer", Schema("/dead-letters", "limit").GetProperty("type").GetString());
        foreach (var (path, name) in new[] { ("/conversations", "started_after"), ("/conversations", "started_before"), ("/stats", "started_after") })
        {
            Assert.Equal("date-time", Schema(path, name).GetProperty("format").GetString());
        }

        Assert.Equal("boolean", Schema("/conversations", "has_city").GetProperty("type").GetString());
        Assert.Equal(["Courier", "Customer"], Schema("/conversations", "first_message_by").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        var reasons = Schema("/dead-letters", "reason").GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("not_json", reasons);
        Assert.Contains("bad_timestamp", reasons);
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesAPushMessagesDataAsTheBase64StringItIs()
    {
        var schemas = (await client.GetJsonAsync("/swagger/v1/swagger.json")).GetProperty("components").GetProperty("schemas");

        var data = schemas.GetProperty("PushMessage").GetProperty("properties").GetProperty("data");
        Assert.Equal(("string", "byte"), (data.GetProperty("type").GetString(), data.GetProperty("format").GetString()));
    }

    [Fact]
    public async Task EverySchemaNameInTheOpenApiDocumentIsValid()
    {
        // OpenAPI 3: component names match ^[a-zA-Z0-9.\-_]+$; an anonymous type's name (String<>f__AnonymousType0)
        // makes validators and client generators reject the whole document.
        var schemas = (await client.GetJsonAsync("/swagger/v1/swagger.json")).GetProperty("components").GetProperty("schemas");

        Assert.All(schemas.EnumerateObject(), s => Assert.Matches("^[a-zA-Z0-9.\\-_]+$", s.Name));
    }

    [Theory]
    [InlineData("/conversations", "400,503")]
    [InlineData("/conversations/{order_id}", "400,404,503")] // 400: it takes no query parameters (RequireStrictQuery)
    [InlineData("/dead-letters", "400,503")]
    [InlineData("/stats", "400,503")]
    [InlineData("/readyz", "503")]
    public async Task TheOpenApiDocumentShowsEachReadsProblemAnswersAWarehouseOutageIncluded(string path, string problems)
    {
        var responses = (await client.GetJsonAsync("/swagger/v1/swagger.json")).GetProperty("paths").GetProperty(path).GetProperty("get").GetProperty("responses");

        Assert.All(problems.Split(','), code =>
            Assert.True(responses.TryGetProperty(code, out var answer) && answer.GetProperty("content").TryGetProperty("application/problem+json", out _),
                $"{path}: no {code} problem in {responses}"));
    }

    [Theory]
    [InlineData("/pubsub/push", "application/json", "400,401,403,413,415,503")]
    [InlineData("/pubsub/push/unwrapped", "application/json", "400,401,403,413,415,503")]
    [InlineData("/replay", "application/x-ndjson", "401,403,413,415,503")]
    public async Task TheOpenApiDocumentShowsEachIngestBodyAndItsProblemAnswers(string path, string mediaType, string problems)
    {
        var document = await client.GetJsonAsync("/swagger/v1/swagger.json");
        var operation = document.GetProperty("paths").GetProperty(path).GetProperty("post");

        var body = operation.GetProperty("requestBody");
        Assert.True(body.GetProperty("required").GetBoolean());
        Assert.True(body.GetProperty("content").TryGetProperty(mediaType, out _), $"{path}: no {mediaType} body in {body}");
        var responses = operation.GetProperty("responses");
        Assert.All(problems.Split(','), code =>
            Assert.True(responses.GetProperty(code).GetProperty("content").TryGetProperty("application/problem+json", out _), $"{path}: no {code} problem"));
        if (path == "/pubsub/push")
        {
            var envelope = document.GetProperty("components").GetProperty("schemas").GetProperty("PushEnvelope").GetProperty("properties");
            Assert.True(envelope.TryGetProperty("message", out _), envelope.ToString());
        }
    }
}
