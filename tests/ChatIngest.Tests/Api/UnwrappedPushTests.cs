using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.Logging;
using static ChatIngest.Tests.Support.Payloads;

namespace ChatIngest.Tests.Api;

/// <summary>
/// <c>POST /pubsub/push/unwrapped</c>: a subscription created with <c>--push-no-wrapper</c> sends the data as the body,
/// with the id and publish time in <c>x-goog-pubsub-*</c> headers only when it writes metadata (GCP.md §1).
/// </summary>
public sealed class UnwrappedPushTests : IDisposable
{
    private static readonly DateTime T0 = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);
    private readonly ChatIngestApp app = new();
    private readonly HttpClient client;

    public UnwrappedPushTests() => client = app.CreateClient();

    public void Dispose() => app.Dispose();

    [Fact]
    public async Task UnwrappedChatMessageIsAcknowledgedAndReadableFromTheView()
    {
        using var response = await client.PushUnwrappedAsync(CourierStart(42), "1001", T0);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var row = await client.GetJsonAsync("/conversations/42");
        Assert.Equal("Courier", row.GetProperty("first_message_by").GetString());
        Assert.Equal(1, row.GetProperty("num_messages_courier").GetInt32());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // on one line, as a proxy may merge them
    public async Task AnAttributeNamedLikeAMetadataHeaderDoesNotTakeTheMessageIdOrPublishTimeFromPubSub(bool oneLine)
    {
        // With write-metadata, attributes are headers too, after Pub/Sub's own: joined, the publish time was
        // "2024-…Z,whatever", a 400 at every delivery of a good message.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pubsub/push/unwrapped") { Content = new StringContent("[1,2]") };
        string[] Values(string pubSub, string attribute) => oneLine ? [$"{pubSub}, {attribute}"] : [pubSub, attribute];
        request.Headers.TryAddWithoutValidation("x-goog-pubsub-message-id", Values("1003", "from-an-attribute"));
        request.Headers.TryAddWithoutValidation("x-goog-pubsub-publish-time", Values("2024-02-01T10:00:04Z", "not a time"));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var item = Assert.Single((await client.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray());
        Assert.Equal(("1003", "2024-02-01T10:00:04Z"), (item.GetProperty("message_id").GetString(), item.GetProperty("publish_time").GetString()));
    }

    [Fact]
    public async Task AnAttributeNamedContentEncodingBesidePubSubsMetadataIsNotReadAsTheBodysEncoding()
    {
        // With write-metadata, an attribute "Content-Encoding: gzip" is a header of the push; Pub/Sub never compresses
        // the body. Read as the body's encoding, the good message below was a 415 at every delivery.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pubsub/push/unwrapped")
        {
            Content = new StringContent(CourierStart(47), Encoding.UTF8, "application/json"),
        };
        request.Content.Headers.ContentEncoding.Add("gzip");
        request.Headers.TryAddWithoutValidation("x-goog-pubsub-message-id", "1007");
        request.Headers.TryAddWithoutValidation("x-goog-pubsub-publish-time", "2024-02-01T10:00:07Z");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var row = await client.GetJsonAsync("/conversations/47");
        Assert.Equal(1, row.GetProperty("num_messages_courier").GetInt32());
    }

    [Fact]
    public async Task AWrappedDeliverySentHereIs400NamingTheEndpointCountedAndLoggedAndNotParked()
    {
        // A subscription that wraps its messages, pointed at this endpoint: before, every message was acknowledged into
        // dead_letters as unknown_kind, and only an INFO line per message said anything.
        var logs = new CapturedLogs();
        await using (var logged = new ChatIngestApp(configureServices: logs.Register))
        {
            var wrongEndpoint = logged.CreateClient();
            using var rejected = RejectedPushes.Of(logged);

            using var response = await wrongEndpoint.PostAsync("/pubsub/push/unwrapped",
                new StringContent(PushEnvelopes.Create(CourierStart(48), "1008", T0), Encoding.UTF8, "application/json"));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("The unwrapped push is not usable.", problem.GetProperty("title").GetString()); // no metadata came to be unusable
            Assert.Contains("must be /pubsub/push, not /pubsub/push/unwrapped", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Empty((await wrongEndpoint.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray());
            Assert.Equal(["bad_request"], rejected.Reasons());
        }

        var line = Assert.Single(logs.Entries, e => e.EventId == 323);
        Assert.Equal((LogLevel.Warning, 400), (line.Level, (int)line.Values["Status"]!));
        Assert.Contains("must be /pubsub/push", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARefusalOfAnotherCauseInTheSameWindowGetsALineOfItsOwnAndEachCauseItsCount()
    {
        // Before, 400, 413 and 415 shared one window: a 415 after a 400 was only a number in the 400's count. (Real
        // time: the two 400s and the 415 come well inside the 10 s window.)
        var logs = new CapturedLogs();
        await using (var logged = new ChatIngestApp(configureServices: logs.Register))
        {
            var client = logged.CreateClient();
            using var rejected = RejectedPushes.Of(logged);
            foreach (var body in new[] { "not an envelope", "{\"message\":{}}" })
            {
                using var bad = await client.PostAsync("/pubsub/push", new StringContent(body, Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            }

            using var compressed = new StringContent(PushEnvelopes.Create(CourierStart(49), "1010", T0), Encoding.UTF8, "application/json");
            compressed.Headers.ContentEncoding.Add("gzip");
            using var refused = await client.PostAsync("/pubsub/push", compressed);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
            Assert.Equal(["bad_request", "bad_request", "compressed"], rejected.Reasons());
        }

        // For each cause one line, then a count at the window's end or the stop.
        var lines = logs.Entries.Where(e => e.EventId == 323).ToList();
        Assert.Equal([400, 415], lines.Select(l => (int)l.Values["Status"]!));
        var counted = Assert.Single(logs.Entries, e => e.EventId == 324);
        Assert.Equal((1L, 400), ((long)counted.Values["Count"]!, (int)counted.Values["Status"]!));
    }

    private const string Envelope =
        "{\"message\":{\"data\":\"e30=\",\"messageId\":\"1\",\"publishTime\":\"2024-02-01T10:00:00Z\"},\"subscription\":\"projects/p/subscriptions/s\"}";

    [Theory]
    [InlineData("{\"message\":\"hi\",\"subscription\":\"s\"}", null)] // "message" is no object
    [InlineData("{\"message\":{},\"subscription\":\"s\"}", null)] // no message of Pub/Sub's: a publisher's data of an unknown kind
    [InlineData("{\"message\":{\"messageId\":\"1\"},\"subscription\":\"s\"}", null)] // no publish time
    [InlineData("{\"message\":{\"messageId\":\"1\",\"publishTime\":\"t\"},\"subscriber\":\"s\"}", null)]
    [InlineData("[" + Envelope + "]", null)]
    [InlineData(Envelope + " {}", null)] // more after it
    [InlineData(Envelope, "1009")] // with Pub/Sub's metadata the body is the message's data, whatever it looks like
    public async Task DataThatIsNoMessageAndNoWrappedDeliveryIsStillParked(string data, string? messageIdHeader)
    {
        using var response = await client.PushUnwrappedWithHeadersAsync(Encoding.UTF8.GetBytes(data), messageIdHeader, null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Single((await client.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task AnInvalidPayloadIsParkedUnderPubSubsIdAndPublishTime()
    {
        using var response = await client.PushUnwrappedAsync("[1,2]", "1002", T0.AddSeconds(3));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var item = Assert.Single((await client.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray());
        Assert.Equal("1002", item.GetProperty("message_id").GetString());
        Assert.Equal("not_object", item.GetProperty("reason").GetString());
        Assert.Equal("2024-02-01T10:00:03Z", item.GetProperty("publish_time").GetString());
        Assert.Equal("[1,2]"u8.ToArray(), Convert.FromBase64String(item.GetProperty("data_base64").GetString()!));
    }

    [Fact]
    public async Task WithoutMetadataAnInvalidPayloadIsParkedOnceUnderItsDataHash()
    {
        var before = DateTime.UtcNow.AddSeconds(-1);
        foreach (var body in new[] { "hello", "hello", "[]" })
        {
            using var response = await client.PushUnwrappedAsync(body);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var items = (await client.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(
            new[] { "hello", "[]" }.Select(b => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(b)))).Order(StringComparer.Ordinal),
            items.Select(i => i.GetProperty("message_id").GetString()).Order(StringComparer.Ordinal));
        Assert.All(items, i => Assert.InRange(i.GetProperty("publish_time").GetDateTime(), before, DateTime.UtcNow.AddSeconds(1)));
    }

    [Fact]
    public async Task WithoutMetadataARedeliveredMessageIsStoredOnce()
    {
        for (var i = 0; i < 2; i++)
        {
            using var response = await client.PushUnwrappedAsync(CourierStart(43));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        Assert.Equal(1, (await client.GetJsonAsync("/conversations/43")).GetProperty("num_messages_courier").GetInt32());
    }

    [Fact]
    public async Task ABodyReadInManyPiecesIsClassifiedWhole()
    {
        // ~60 KB: the server hands the body over in several buffer segments, which the decoder must join.
        var padded = Chat(44, "Customer iOS", "2024-02-01T10:00:56Z", startedByMessage: true, extra: $",\"note\":\"{new string('x', 60_000)}\"");

        using var response = await client.PushUnwrappedAsync(padded, "1003", T0);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("Customer", (await client.GetJsonAsync("/conversations/44")).GetProperty("first_message_by").GetString());
        Assert.Empty((await client.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray());
    }

    public static TheoryData<string, string?, string?, string> UnusableMetadata => new()
    {
        { "a publish time that is not RFC 3339", "1004", "soon", "x-goog-pubsub-publish-time" },
        { "a publish time without a zone", "1004", "2024-02-01T10:00:00", "x-goog-pubsub-publish-time" },
        { "a blank message id", " ", null, "x-goog-pubsub-message-id" },
        { "a message id over 256 characters", new string('7', 257), null, "x-goog-pubsub-message-id" },
    };

    [Theory]
    [MemberData(nameof(UnusableMetadata))]
    public async Task UnusableMetadataGets400ProblemNamingTheHeaderAndStoresNothing(string why, string? messageId, string? publishTime, string header)
    {
        using var response = await client.PushUnwrappedWithHeadersAsync(Encoding.UTF8.GetBytes(CourierStart(45)), messageId, publishTime);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, why);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(header, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await client.GetJsonAsync("/conversations")).GetProperty("items").GetArrayLength());
        Assert.Empty((await client.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray());
    }

    [Theory]
    [InlineData("/pubsub/push", "gzip")]
    [InlineData("/pubsub/push", "br")]
    [InlineData("/pubsub/push/unwrapped", "gzip")]
    public async Task ACompressedPushGets415AndStoresNothing(string path, string encoding)
    {
        var body = path.EndsWith("unwrapped", StringComparison.Ordinal) ? CourierStart(46) : PushEnvelopes.Create(CourierStart(46), "1006", T0);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        content.Headers.ContentEncoding.Add(encoding);

        using var rejected = RejectedPushes.Of(app);

        using var response = await client.PostAsync(path, content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(["compressed"], rejected.Reasons());
        Assert.Equal("identity", response.Headers.GetValues("Accept-Encoding").Single());
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(encoding, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await client.GetJsonAsync("/conversations")).GetProperty("items").GetArrayLength());
        Assert.Empty((await client.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray());
    }
}
