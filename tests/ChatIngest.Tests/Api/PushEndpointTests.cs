using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Api;

public sealed class PushEndpointTests : IDisposable
{
    private static readonly DateTime Published = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);
    private readonly ChatIngestApp app = new();

    public void Dispose() => app.Dispose();

    [Fact]
    public async Task PushedChatMessageIsAcknowledgedAndReadableFromTheView()
    {
        var client = app.CreateClient();
        const string json = """{"senderAppType":"Courier Android","courierId":1,"fromId":1,"toId":2,"chatStartedByMessage":true,"orderId":42,"orderStage":"ACCEPTED","customerId":2,"messageSentTime":"2024-02-01T10:00:56Z"}""";

        using var response = await client.PushAsync(json, "1", Published);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var row = await client.GetJsonAsync("/conversations/42");
        Assert.Equal(42, row.GetProperty("order_id").GetInt64());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("city_code").ValueKind);
        Assert.Equal("Courier", row.GetProperty("first_message_by").GetString());
    }

    [Fact]
    public async Task AnEmptyCamelCaseIdOrPublishTimeGivesWayToTheSnakeCaseOne()
    {
        // GCP.md §1: either spelling. A sender that writes the camelCase one empty still gave the other.
        var client = app.CreateClient();
        var data = Convert.ToBase64String("[1]"u8.ToArray());
        var envelope = $$$"""{"message":{"data":"{{{data}}}","messageId":"","message_id":"130","publishTime":" ","publish_time":"2024-02-01T10:00:07Z"}}""";

        using var response = await client.PushAsync(envelope);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var item = Assert.Single((await client.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray());
        Assert.Equal(("130", "2024-02-01T10:00:07Z"), (item.GetProperty("message_id").GetString(), item.GetProperty("publish_time").GetString()));
    }

    [Fact]
    public async Task AMessageWhoseDataStartsWithAByteOrderMarkIsStoredNotParked()
    {
        var client = app.CreateClient();
        const string json = """{"senderAppType":"Customer iOS","courierId":1,"fromId":2,"toId":1,"chatStartedByMessage":true,"orderId":43,"orderStage":"ACCEPTED","customerId":2,"messageSentTime":"2024-02-01T10:00:56Z"}""";
        byte[] data = [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(json)];

        using var response = await client.PushAsync(PushEnvelopes.Create(data, "1", Published));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var row = await client.GetJsonAsync("/conversations/43");
        Assert.Equal(1, row.GetProperty("num_messages_customer").GetInt64());
        Assert.Equal(0, (await client.GetJsonAsync("/dead-letters")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task BodyThatIsNotAnEnvelopeGets400ProblemJson()
    {
        var client = app.CreateClient();

        using var response = await client.PostAsync("/pubsub/push", new StringContent("this is not an envelope"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("""{"message":{"messageId":15,"data":"eyJ9"}}""", "message.messageId must be a string.")]
    [InlineData("""{"message":{"messageId":"1","data":"eyJ9","attributes":{"a":1}}}""", "message.attributes.a must be a string.")]
    [InlineData("""{"message":{"messageId":"1","data":"eyJ9","attributes":[]}}""", "message.attributes must be an object of string values.")]
    [InlineData("""{"message":"hello"}""", "message must be an object.")]
    [InlineData("""{"message":{"messageId":"1","data":"eyJ9"},"deliveryAttempt":"2"}""", "deliveryAttempt must be a whole number.")]
    [InlineData("[]", "The body must be a JSON object: a Pub/Sub push envelope, {\"message\":{…},\"subscription\":…}.")]
    [InlineData("\"envelope\"", "The body must be a JSON object: a Pub/Sub push envelope, {\"message\":{…},\"subscription\":…}.")]
    [InlineData("", "The body is empty: a push carries a Pub/Sub push envelope, {\"message\":{…},\"subscription\":…}.")]
    public async Task AnEnvelopeFieldOfTheWrongTypeGets400NamingTheFieldAndWhatItMustBe(string body, string detail)
    {
        using var response = await app.CreateClient().PostAsync("/pubsub/push", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AMessageIdThatIsNotUtf8Gets400SayingSo()
    {
        byte[] body = [.. "{\"message\":{\"messageId\":\"1"u8, 0xFF, .. "\",\"data\":\"eyJ9\"}}"u8]; // 0xFF is never UTF-8
        using var response = await app.CreateClient().PostAsync("/pubsub/push", new ByteArrayContent(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("message.messageId is not valid UTF-8.", problem.GetProperty("detail").GetString());
    }
}
