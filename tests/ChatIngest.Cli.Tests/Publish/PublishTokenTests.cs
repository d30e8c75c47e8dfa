using System.Net;
using ChatIngest.Cli.Tests.Support;
using Google.Apis.Auth.OAuth2.Responses;

namespace ChatIngest.Cli.Tests.Publish;

/// <summary>Publishing with Application Default Credentials: what the run does when the token endpoint fails or refuses.</summary>
public sealed class PublishTokenTests
{
    [Theory]
    [InlineData(null)] // a network error
    [InlineData(HttpStatusCode.BadGateway)] // a proxy's HTML page, say: "Server response does not contain a JSON object"
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    public async Task ANetworkErrorOrATransientAnswerFetchingTheAccessTokenIsRetriedAndTheBatchIsPublishedWithTheToken(HttpStatusCode? status)
    {
        await using var fake = await FakePubSub.StartAsync();
        var lines = PublishRun.SmallLines(10);
        Exception failure = status is null
            ? new HttpRequestException("Connection refused (oauth2.googleapis.com:443)")
            : TokenFailure(status.Value);

        var result = await WithCredentialsAsync(fake, new ScriptedTokens(failure), lines);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(lines, fake.Messages);
        Assert.All(fake.Accepted, r => Assert.Equal($"Bearer {ScriptedTokens.Token}", r.Authorization));
        Assert.Contains("sent 10, acknowledged 10, retried 1, failed 0", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABatchWhoseTokenTheEndpointKeepsFailingToIssueFailsWithTheNumericStatus()
    {
        await using var fake = await FakePubSub.StartAsync();
        var unavailable = TokenFailure(
            HttpStatusCode.ServiceUnavailable, "Server response does not contain a JSON object. Status code is: ServiceUnavailable");

        // The first batch gets its token; the second's fails at both attempts.
        var result = await WithCredentialsAsync(fake, new ScriptedTokens(null, unavailable, unavailable), PublishRun.SmallLines(1_500), "--max-attempts", "2");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(1, fake.Attempts);
        Assert.Contains("publish: failed: lines 1001 to 1500: the token endpoint answered HTTP 503 (fetching an access token) after 2 attempts", result.Error.Split('\n'));
    }

    [Theory]
    [InlineData("refused", "Connection refused (oauth2.googleapis.com:443) (fetching an access token) after 2 attempts. Is the token endpoint reachable from here?")]
    [InlineData("timed out", "the token endpoint did not answer in time (fetching an access token) after 2 attempts. Is the token endpoint reachable from here?")]
    [InlineData("503", "the token endpoint answered HTTP 503 (fetching an access token) after 2 attempts.")]
    public async Task ARunWhoseFirstTokenCannotBeHadStopsBlamingTheTokenEndpointNotPubSub(string how, string cause)
    {
        await using var fake = await FakePubSub.StartAsync();
        Exception failure = how switch
        {
            "503" => TokenFailure(HttpStatusCode.ServiceUnavailable),
            "timed out" => new TaskCanceledException("The token source's own time limit."),
            _ => new HttpRequestException("Connection refused (oauth2.googleapis.com:443)"),
        };

        var result = await WithCredentialsAsync(fake, new ScriptedTokens(failure, failure), PublishRun.SmallLines(10), "--max-attempts", "2");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(0, fake.Attempts);
        var line = Assert.Single(result.Error.Split('\n'), l => l.Contains("no access token could be had", StringComparison.Ordinal));
        Assert.EndsWith($"no access token could be had for Pub/Sub, which was not asked: {cause}", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARefusedRefreshTokenStopsTheRunWithOneLineSayingHowToLogInAgain()
    {
        await using var fake = await FakePubSub.StartAsync();
        var refused = TokenFailure(HttpStatusCode.BadRequest, "invalid_grant", "Token has been expired or revoked.");

        var result = await WithCredentialsAsync(fake, new ScriptedTokens(null, refused), PublishRun.SmallLines(1_500));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(1, fake.Attempts);
        Assert.Contains("read 1,500 lines; sent 1,500, acknowledged 1,000, retried 0, failed 500", result.Error, StringComparison.Ordinal);
        var cause = Assert.Single(result.Error.Split('\n'), l => l.Contains("invalid_grant: Token has been expired or revoked.", StringComparison.Ordinal));
        Assert.StartsWith("publish: stopped: nothing from line 1001 on was published: ", cause, StringComparison.Ordinal);
        Assert.Contains("gcloud auth application-default login", cause, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(TokenResponseException), result.Error, StringComparison.Ordinal);
    }

    /// <summary>With credentials, as against Google: the production address, rerouted to the fake.</summary>
    private static async Task<CliResult> WithCredentialsAsync(FakePubSub fake, ScriptedTokens tokens, string[] lines, params string[] options)
    {
        using var route = new ReroutingHandler(new Uri($"http://{fake.Host}"));
        return await CliRun.RunAsync(
            ["publish", "-", "--topic", FakePubSub.Topic, "--min-backoff", "1ms", "--max-backoff", "5ms", .. options],
            stdin: Ndjson.Of(lines), credentials: tokens, http: route);
    }

    /// <summary>What Google.Apis.Auth throws when the token endpoint answers with an error (or with no JSON at all).</summary>
    private static TokenResponseException TokenFailure(HttpStatusCode status, string error = "Server response does not contain a JSON object.", string? description = null) =>
        new(new TokenErrorResponse { Error = error, ErrorDescription = description }, status);
}
