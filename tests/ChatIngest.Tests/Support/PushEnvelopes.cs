using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ChatIngest.Tests.Support;

/// <summary>Builds Pub/Sub push envelopes the way Pub/Sub sends them (GCP.md §1) and posts them.</summary>
public static class PushEnvelopes
{
    public static string Create(byte[] data, string messageId, DateTime publishTime, bool snakeCase = false)
    {
        var time = Rfc3339(publishTime, "fff");
        var message = snakeCase
            ? (object)new { data = Convert.ToBase64String(data), message_id = messageId, publish_time = time, attributes = new { } }
            : new { data = Convert.ToBase64String(data), messageId, publishTime = time, attributes = new { } };
        return JsonSerializer.Serialize(new { message, subscription = "projects/demo/subscriptions/chat-push" });
    }

    public static string Create(string json, string messageId, DateTime publishTime, bool snakeCase = false) =>
        Create(Encoding.UTF8.GetBytes(json), messageId, publishTime, snakeCase);

    public static Task<HttpResponseMessage> PushAsync(this HttpClient client, string envelope) => client.PushAsync(envelope, authorization: null);

    /// <summary>A push with this <c>Authorization</c> header (none when null), as Pub/Sub sends its OIDC token, and any
    /// other headers given.</summary>
    public static async Task<HttpResponseMessage> PushAsync(this HttpClient client, string envelope, string? authorization, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pubsub/push") { Content = new StringContent(envelope, Encoding.UTF8, "application/json") };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PushAsync(this HttpClient client, string json, string messageId, DateTime publishTime) =>
        client.PushAsync(Create(json, messageId, publishTime));

    /// <summary>
    /// An unwrapped push (<c>--push-no-wrapper</c>): the data as the body, the id and publish time in Pub/Sub's
    /// metadata headers when given (<c>--push-no-wrapper-write-metadata</c>).
    /// </summary>
    public static Task<HttpResponseMessage> PushUnwrappedAsync(
        this HttpClient client, byte[] data, string? messageId = null, DateTime? publishTime = null, string? authorization = null) =>
        client.PushUnwrappedWithHeadersAsync(data, messageId, publishTime is { } time ? Rfc3339(time, "ffffff") : null, authorization);

    /// <summary>An unwrapped push with the metadata headers' values as given (null: no such header), right or wrong.</summary>
    public static async Task<HttpResponseMessage> PushUnwrappedWithHeadersAsync(
        this HttpClient client, byte[] data, string? messageIdHeader, string? publishTimeHeader, string? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pubsub/push/unwrapped") { Content = new ByteArrayContent(data) };
        if (messageIdHeader is not null)
        {
            request.Headers.TryAddWithoutValidation("x-goog-pubsub-message-id", messageIdHeader);
        }

        if (publishTimeHeader is not null)
        {
            request.Headers.TryAddWithoutValidation("x-goog-pubsub-publish-time", publishTimeHeader);
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PushUnwrappedAsync(
        this HttpClient client, string json, string? messageId = null, DateTime? publishTime = null, string? authorization = null) =>
        client.PushUnwrappedAsync(Encoding.UTF8.GetBytes(json), messageId, publishTime, authorization);

    /// <summary>A GET with the client's <c>Accept</c> header as given (none when null).</summary>
    public static async Task<HttpResponseMessage> GetAcceptingAsync(this HttpClient client, string path, string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return await client.SendAsync(request);
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Every item of a paged list (<c>items</c>, <c>next_page_token</c>), following the tokens to the last page.</summary>
    public static async Task<List<JsonElement>> GetAllItemsAsync(this HttpClient client, string path)
    {
        var items = new List<JsonElement>();
        var separator = path.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        string? token = null;
        do
        {
            var page = await client.GetJsonAsync(path + (token is null ? "" : $"{separator}page_token={Uri.EscapeDataString(token)}"));
            items.AddRange(page.GetProperty("items").EnumerateArray());
            token = page.GetProperty("next_page_token").GetString();
        }
        while (token is not null);
        return items;
    }

    /// <summary>A publish time as Pub/Sub writes one: UTC, with the given fraction of a second.</summary>
    private static string Rfc3339(DateTime time, string fraction) =>
        time.ToUniversalTime().ToString($"yyyy-MM-dd'T'HH:mm:ss.{fraction}'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
