using System.Net;
using System.Text;
using System.Text.Json;
using ChatIngest.Tests.Support;
using static ChatIngest.Tests.Support.Payloads;

namespace ChatIngest.Tests.Api;

/// <summary>Every kind of invalid payload is parked in dead_letters with its reason and raw bytes, and acknowledged.</summary>
public sealed class InvalidInputTests : IDisposable
{
    private static readonly DateTime T0 = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);
    private static readonly string Valid = Chat(1, "Courier Android", "2024-02-01T10:00:00Z", true);
    private readonly ChatIngestApp app = new();
    private readonly HttpClient client;

    public InvalidInputTests() => client = app.CreateClient();

    public void Dispose() => app.Dispose();

    public static TheoryData<string, string> InvalidJson => new()
    {
        { "not_json", "{\"orderId\": 1, " },
        { "not_json", "hello" },
        { "not_object", "[1,2,3]" },
        { "not_object", "\"just a string\"" },
        { "not_object", "42" },
        { "duplicate_key", "{\"orderId\":1,\"orderId\":2,\"cityCode\":\"IST\"}" },
        { "unknown_kind", "{\"foo\":1}" },
        { "missing_field", Valid.Replace("\"orderStage\":\"ACCEPTED\",", "", StringComparison.Ordinal) },
        { "missing_field", Valid.Replace("\"customerId\":22,", "", StringComparison.Ordinal) },
        { "missing_field", "{\"orderId\":5}" },
        { "missing_field", "{\"cityCode\":\"IST\"}" },
        { "wrong_type", Valid.Replace("\"orderId\":1", "\"orderId\":\"1\"", StringComparison.Ordinal) },
        { "wrong_type", Valid.Replace("\"fromId\":11", "\"fromId\":1.5", StringComparison.Ordinal) },
        { "wrong_type", Valid.Replace("\"toId\":22", "\"toId\":99999999999999999999", StringComparison.Ordinal) },
        { "wrong_type", Valid.Replace("\"chatStartedByMessage\":true", "\"chatStartedByMessage\":\"true\"", StringComparison.Ordinal) },
        { "wrong_type", Valid.Replace("\"orderStage\":\"ACCEPTED\"", "\"orderStage\":null", StringComparison.Ordinal) },
        { "wrong_type", Valid.Replace("\"senderAppType\":\"Courier Android\"", "\"senderAppType\":7", StringComparison.Ordinal) },
        { "wrong_type", "{\"orderId\":5,\"cityCode\":7}" },
        { "invalid_value", Valid.Replace("\"orderId\":1", "\"orderId\":0", StringComparison.Ordinal) },
        { "invalid_value", Valid.Replace("\"orderId\":1", "\"orderId\":-3", StringComparison.Ordinal) },
        { "invalid_value", Valid.Replace("\"orderStage\":\"ACCEPTED\"", "\"orderStage\":\"\"", StringComparison.Ordinal) },
        { "invalid_value", "{\"orderId\":5,\"cityCode\":\"\"}" },
        { "invalid_value", "{\"orderId\":5,\"cityCode\":\"" + new string('X', 65) + "\"}" },
        { "bad_timestamp", Valid.Replace("2024-02-01T10:00:00Z", "2024-02-01T10:00:00", StringComparison.Ordinal) },
        { "bad_timestamp", Valid.Replace("2024-02-01T10:00:00Z", "2024-13-01T10:00:00Z", StringComparison.Ordinal) },
        { "bad_timestamp", Valid.Replace("2024-02-01T10:00:00Z", "yesterday", StringComparison.Ordinal) },
        { "bad_timestamp", Valid.Replace("2024-02-01T10:00:00Z", "2024-02-30T10:00:00Z", StringComparison.Ordinal) },
        { "unknown_sender", Valid.Replace("Courier Android", "Restaurant Web", StringComparison.Ordinal) },
        { "too_deep", "{\"orderId\":1,\"cityCode\":\"IST\",\"x\":" + new string('[', 100) + new string(']', 100) + "}" },
        { "not_json", "{\"orderId\":1,\"cityCode\":\"\\ud800\"}" },
    };

    [Theory]
    [MemberData(nameof(InvalidJson))]
    public async Task InvalidPayloadIsParkedWithItsReasonAndAcknowledged(string reason, string payload)
    {
        var data = Encoding.UTF8.GetBytes(payload);
        await AssertParkedAsync(PushEnvelopes.Create(data, "77", T0), "77", reason, data);
        Assert.Empty((await client.GetJsonAsync("/conversations")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task DataThatIsNotBase64IsParkedWithTheTextAsReceived()
    {
        var envelope = """{"message":{"data":"not*base64!","messageId":"5","publishTime":"2024-02-01T10:00:00Z"}}""";
        await AssertParkedAsync(envelope, "5", "not_base64", Encoding.UTF8.GetBytes("not*base64!"));
    }

    [Fact]
    public async Task DataThatIsNotUtf8IsParked()
    {
        byte[] data = [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x7D]; // {"\xC3(" } — an invalid 2-byte sequence
        await AssertParkedAsync(PushEnvelopes.Create(data, "6", T0), "6", "not_utf8", data);
    }

    [Fact]
    public async Task AMessageWithoutDataIsParked()
    {
        var envelope = """{"message":{"attributes":{"k":"v"},"messageId":"8","publishTime":"2024-02-01T10:00:00Z"}}""";
        await AssertParkedAsync(envelope, "8", "empty_data", []);
    }

    [Fact]
    public async Task ARedeliveryAddsNothingButEachNewIdIsItsOwnDeadLetter()
    {
        var envelope = PushEnvelopes.Create("[]", "100", T0);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PushAsync(envelope)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PushAsync(envelope)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PushAsync(PushEnvelopes.Create("[]", "101", T0))).StatusCode);

        var ids = (await client.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("message_id").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal(["100", "101"], ids);
    }

    [Theory]
    [InlineData("this is not an envelope")]
    [InlineData("{\"subscription\":\"projects/p/subscriptions/s\"}")]
    [InlineData("{\"message\":{\"data\":\"e30=\"}}")]
    [InlineData("{\"message\":{\"data\":\"e30=\",\"messageId\":\"1\",\"publishTime\":\"soon\"}}")]
    [InlineData("{\"message\":{\"data\":5,\"messageId\":\"1\"}}")]
    [InlineData("")]
    [InlineData("{\"message\":{\"data\":\"e30=\",\"messageId\":\"1\"}} {\"message\":{}}")]
    [InlineData("{\"message\":{\"data\":\"e30=\",\"messageId\":\"1\"}} trailing")]
    [InlineData("{\"message\":{\"data\":\"e30=\",\"messageId\":\"1\"},}")]
    [InlineData("{\"message\":{\"data\":\"e30=\",\"messageId\":\"1\",\"attributes\":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}}")]
    public async Task ABodyThatIsNotAPushEnvelopeGets400ProblemJsonAndStoresNothing(string body)
    {
        using var response = await client.PostAsync("/pubsub/push", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadAsStringAsync();
        Assert.False(string.IsNullOrWhiteSpace(JsonDocument.Parse(problem).RootElement.GetProperty("title").GetString()));
        Assert.Empty((await client.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task BothSpellingsOfIdAndPublishTimeAreAccepted()
    {
        var snake = PushEnvelopes.Create("[]", "42", T0, snakeCase: true);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PushAsync(snake)).StatusCode);
        var item = (await client.GetJsonAsync("/dead-letters")).GetProperty("items")[0];
        Assert.Equal("42", item.GetProperty("message_id").GetString());
        Assert.Equal("2024-02-01T10:00:00Z", item.GetProperty("publish_time").GetString());
    }

    private async Task AssertParkedAsync(string envelope, string messageId, string reason, byte[] raw)
    {
        using var response = await client.PushAsync(envelope);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        var items = (await client.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray().ToList();
        var item = Assert.Single(items);
        Assert.Equal(messageId, item.GetProperty("message_id").GetString());
        Assert.Equal(reason, item.GetProperty("reason").GetString());
        Assert.False(string.IsNullOrWhiteSpace(item.GetProperty("detail").GetString()));
        Assert.Equal(raw, Convert.FromBase64String(item.GetProperty("data_base64").GetString()!));
    }
}
