using System.Net;
using System.Text;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Api;

/// <summary><c>/replay</c> outside Development: refused unless <c>Replay__Token</c> is set and sent as a bearer token.</summary>
public sealed class ReplayAuthTests
{
    private const string Token = "s3cret-replay-token";

    [Fact]
    public async Task ReplayOutsideDevelopmentWithoutTokenSettingIsRefused()
    {
        await using var app = new ChatIngestApp(new Dictionary<string, string?> { ["environment"] = "Production" });
        var client = app.CreateClient();

        using var response = await ReplayAsync(client, Token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, (await client.GetJsonAsync("/conversations")).GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("wrong-token", HttpStatusCode.Forbidden)]
    [InlineData(Token, HttpStatusCode.OK)]
    public async Task ReplayWithTokenSettingNeedsThatBearerToken(string? sent, HttpStatusCode expected)
    {
        await using var app = new ChatIngestApp(new Dictionary<string, string?> { ["environment"] = "Production", ["Replay:Token"] = Token });
        var client = app.CreateClient();

        using var response = await ReplayAsync(client, sent);

        Assert.Equal(expected, response.StatusCode);
        var stored = (await client.GetJsonAsync("/conversations")).GetProperty("items").GetArrayLength();
        Assert.Equal(expected == HttpStatusCode.OK ? 1 : 0, stored);
    }

    [Fact]
    public async Task ATokenSettingWithANewlineAtItsEndAsSecretFilesHaveItTakesTheTokenWithout()
    {
        await using var app = new ChatIngestApp(new Dictionary<string, string?> { ["environment"] = "Production", ["Replay:Token"] = Token + "\n" });

        using var response = await ReplayAsync(app.CreateClient(), Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ATokenSettingOfWhiteSpaceOnlyKeepsTheGuardOnEvenInDevelopment()
    {
        // A secret file that holds only a newline: not "no token", which would open /replay in Development.
        await using var app = new ChatIngestApp(new Dictionary<string, string?> { ["Replay:Token"] = "\n" });

        using var response = await ReplayAsync(app.CreateClient(), null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ReplayInDevelopmentWithoutTokenSettingIsOpen()
    {
        await using var app = new ChatIngestApp();

        using var response = await ReplayAsync(app.CreateClient(), null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<HttpResponseMessage> ReplayAsync(HttpClient client, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/replay")
        {
            Content = new StringContent(Payloads.CourierStart(5) + "\n", Encoding.UTF8, "application/x-ndjson"),
        };
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        return await client.SendAsync(request);
    }
}
