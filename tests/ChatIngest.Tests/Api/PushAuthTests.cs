using System.Diagnostics.Metrics;
using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChatIngest.Api.Push;
using ChatIngest.Core.Ingest;
using ChatIngest.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace ChatIngest.Tests.Api;

/// <summary>Push authentication (GCP.md §2) against tokens signed by the tests' own key, served as a JWKS on 127.0.0.1.</summary>
public sealed class PushAuthTests : IAsyncLifetime
{
    private static readonly DateTime Published = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);
    private GoogleTokens tokens = null!;
    private ChatIngestApp app = null!;
    private HttpClient client = null!;

    public async Task InitializeAsync()
    {
        tokens = await GoogleTokens.StartAsync();
        app = new ChatIngestApp(tokens.Settings());
        client = app.CreateClient();
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await app.DisposeAsync();
        await tokens.DisposeAsync();
    }

    [Theory]
    [InlineData("https://accounts.google.com")]
    [InlineData("accounts.google.com")]
    public async Task PushWithValidGoogleTokenIsStored(string issuer)
    {
        using var response = await PushAsync(42, "Bearer " + tokens.Sign(issuer: issuer));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(42, (await client.GetJsonAsync("/conversations/42")).GetProperty("order_id").GetInt64());
    }

    [Fact]
    public async Task SettingsWithANewlineAtTheirEndAsSecretFilesHaveThemStillTakeTheSubscriptionsToken()
    {
        var settings = tokens.Settings();
        settings["PushAuth:Audience"] += "\n";
        settings["PushAuth:ServiceAccountEmail"] = " " + settings["PushAuth:ServiceAccountEmail"] + "\r\n";
        await using var fromSecrets = new ChatIngestApp(settings);

        using var response = await fromSecrets.CreateClient().PushAsync(PushEnvelopes.Create(Payloads.CourierStart(8), "m-8", Published), "Bearer " + tokens.Sign());

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task RepeatedTokenIsCheckedAgainstKeysFetchedOnce()
    {
        var token = "Bearer " + tokens.Sign();
        for (var order = 1; order <= 5; order++)
        {
            using var response = await PushAsync(order, token);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        Assert.Equal(1, tokens.KeyFetches);
    }

    public static TheoryData<string, string?> Unauthenticated() => new()
    {
        { "no header", null },
        { "not bearer", "Basic dXNlcjpwYXNz" },
        { "empty bearer", "Bearer " },
        { "not a JWT", "Bearer not-a-token" },
        { "garbage segments", "Bearer abc.def.ghi" },
        // JSON, but not of the claims' types: still the token's fault (401), not the keys' (503).
        { "claims of the wrong type", "Bearer " + Encoded("{\"alg\":\"RS256\",\"kid\":\"test-key-1\"}") + "." + Encoded("{\"exp\":\"soon\"}") + ".c2ln" },
        // Shaped to make the library fail on a token that otherwise reads: the token's fault, not a keys outage (503)
        // or a 500 (an ES256 token was cast to the cached RSA keys' type).
        { "signed with ES256", "Bearer " + Forged("ES256", DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(), new byte[64]) },
        { "a signature that is not base64url", "Bearer " + Forged("RS256", DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(), null) },
        { "an exp no date can hold", "Bearer " + Forged("RS256", 1_000_000_000_000_000, new byte[256]) },
    };

    /// <summary>A token with genuine-looking claims for this service, its header and signature as given (null: "!!!!").</summary>
    private static string Forged(string algorithm, long expires, byte[]? signature) =>
        Encoded($$"""{"alg":"{{algorithm}}","kid":"test-key-1","typ":"JWT"}""") + "."
        + Encoded($$"""{"iss":"https://accounts.google.com","aud":"{{GoogleTokens.Audience}}","email":"{{GoogleTokens.PushAccount}}","email_verified":true,"iat":{{DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds()}},"exp":{{expires}}}""")
        + "." + (signature is null ? "!!!!" : Base64Url.EncodeToString(signature));

    [Theory]
    [MemberData(nameof(Unauthenticated))]
    public async Task PushWithoutUsableTokenGets401AndStoresNothing(string why, string? authorization)
    {
        using var response = await PushAsync(7, authorization);

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, why);
    }

    [Fact]
    public async Task AnUnwrappedPushIsUnderTheSameTokenCheck()
    {
        using var without = await client.PushUnwrappedAsync(Payloads.CourierStart(9), "m-9", Published);
        await AssertRefusedAsync(without, HttpStatusCode.Unauthorized, "unwrapped, no header");

        using var with = await client.PushUnwrappedAsync(Payloads.CourierStart(9), "m-9", Published, "Bearer " + tokens.Sign());
        Assert.Equal(HttpStatusCode.NoContent, with.StatusCode);
        Assert.Equal(9, (await client.GetJsonAsync("/conversations/9")).GetProperty("order_id").GetInt64());
    }

    [Fact]
    public async Task TokenSignedByAnotherKeyGets401()
    {
        using var stranger = RSA.Create(2048);

        using var response = await PushAsync(7, "Bearer " + tokens.Sign(signer: stranger));

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, "foreign key");
    }

    [Fact]
    public async Task ATokenIssuedSecondsAheadOfThisClockIsTakenAndOneIssuedMinutesAheadGets401()
    {
        // Pub/Sub uses a new token at once: a host whose clock is a little behind Google's still takes it.
        using var future = await PushAsync(8, "Bearer " + tokens.Sign(issuedIn: TimeSpan.FromMinutes(2)));
        await AssertRefusedAsync(future, HttpStatusCode.Unauthorized, "issued minutes ahead");

        using var ahead = await PushAsync(7, "Bearer " + tokens.Sign(issuedIn: TimeSpan.FromSeconds(20)));
        Assert.Equal(HttpStatusCode.NoContent, ahead.StatusCode);
    }

    [Fact]
    public async Task ExpiredTokenGets401()
    {
        using var response = await PushAsync(7, "Bearer " + tokens.Sign(expiresIn: TimeSpan.FromMinutes(-10)));

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, "expired");
    }

    [Fact]
    public async Task TokenFromAnotherIssuerGets401()
    {
        using var response = await PushAsync(7, "Bearer " + tokens.Sign(issuer: "https://evil.example.com"));

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, "issuer");
    }

    [Fact]
    public async Task TamperedTokenGets401()
    {
        var parts = tokens.Sign().Split('.');
        var claims = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])).Replace(GoogleTokens.PushAccount, "intruder@demo.iam.gserviceaccount.com");
        var forged = parts[0] + "." + Encoded(claims) + "." + parts[2];

        using var response = await PushAsync(7, "Bearer " + forged);

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, "tampered");
    }

    [Fact]
    public async Task GenuineTokenForAnotherAudienceGets403()
    {
        using var response = await PushAsync(7, "Bearer " + tokens.Sign(audience: "https://other.example.com/push"));

        await AssertRefusedAsync(response, HttpStatusCode.Forbidden, "audience");
    }

    [Fact]
    public async Task GenuineTokenOfAnotherAccountGets403()
    {
        using var response = await PushAsync(7, "Bearer " + tokens.Sign(email: "someone-else@demo.iam.gserviceaccount.com"));

        await AssertRefusedAsync(response, HttpStatusCode.Forbidden, "account");
    }

    [Theory]
    [InlineData(null, "someone-else@demo.iam.gserviceaccount.com",
        "the token is of account 'someone-else@demo.iam.gserviceaccount.com' (e-mail verified: yes), and PushAuth__ServiceAccountEmail is '" + GoogleTokens.PushAccount + "'",
        GoogleTokens.PushAccount)]
    [InlineData("https://x.example/\ninfo: a line of the sender's", null, // anyone can have Google sign a token for any audience
        "the token was issued for audience 'https://x.example/\\u000ainfo: a line of the sender\\u0027s', and PushAuth__Audience is '" + GoogleTokens.Audience + "'",
        GoogleTokens.Audience)]
    public async Task ATokenForSomeoneElseIsLoggedWithWhatItWasForAndWhatIsExpectedOnOneLineButTheAnswerNamesNeither(
        string? audience, string? email, string logged, string notAnswered)
    {
        var logs = new CapturedLogs();
        await using (var app = new ChatIngestApp(tokens.Settings(), configureServices: logs.Register))
        {
            using var response = await app.CreateClient().PushAsync(PushEnvelopes.Create(Payloads.CourierStart(1), "m-1", Published),
                "Bearer " + tokens.Sign(audience: audience ?? GoogleTokens.Audience, email: email ?? GoogleTokens.PushAccount));

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            var answer = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain(notAnswered, answer, StringComparison.Ordinal); // not the sender's to learn
            Assert.DoesNotContain((email ?? audience)!.Split('\n')[0], answer, StringComparison.Ordinal); // nor echoed back
        }

        var line = Assert.Single(logs.Entries, e => e.EventId == 318);
        Assert.Contains(logged, line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line.Message); // a line break in a claim would start a log line of the sender's
    }

    [Fact]
    public async Task GenuineTokenWithUnverifiedEmailGets403()
    {
        using var response = await PushAsync(7, "Bearer " + tokens.Sign(emailVerified: false));

        await AssertRefusedAsync(response, HttpStatusCode.Forbidden, "email_verified");
    }

    [Fact]
    public async Task UnreachableSigningKeysAnswer503SoPubSubRetriesAndAreCounted()
    {
        var closed = $"http://127.0.0.1:{FreePorts.Next()}/certs"; // nothing listens there
        var settings = tokens.Settings();
        settings["PushAuth:CertificatesUrl"] = closed;
        var logs = new CapturedLogs();
        await using (var keyless = new ChatIngestApp(settings, configureServices: logs.Register))
        {
            var keylessClient = keyless.CreateClient();
            using var rejected = RejectedPushes.Of(keyless);
            for (var order = 1; order <= 3; order++)
            {
                using var response = await keylessClient.PushAsync(PushEnvelopes.Create(Payloads.CourierStart(order), $"m-{order}", Published), "Bearer " + tokens.Sign());

                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.NotNull(response.Headers.RetryAfter);
                var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString();
                Assert.StartsWith($"The token signing keys at {closed} could not be fetched: ", detail, StringComparison.Ordinal);
            }

            Assert.Equal(0, (await keylessClient.GetJsonAsync("/conversations")).GetProperty("items").GetArrayLength());
            Assert.Equal(["keys_unavailable", "keys_unavailable", "keys_unavailable"], rejected.Reasons());
        }

        // The operator's log says why, once, naming the URL; the two refusals after it are one line as the service stops.
        var line = Assert.Single(logs.Entries, e => e.EventId == 316);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains($"The token signing keys at {closed} could not be fetched", line.Message, StringComparison.Ordinal);
        Assert.Equal(2L, Assert.Single(logs.Entries, e => e.EventId == 317).Values["Count"]);
    }

    [Fact]
    public async Task ARefusedTokenIsLoggedWithItsStatusAndWhyAndCountedWithItsReason()
    {
        var logs = new CapturedLogs();
        await using (var logged = new ChatIngestApp(tokens.Settings(), configureServices: logs.Register))
        {
            var loggedClient = logged.CreateClient();
            using var rejected = RejectedPushes.Of(logged);
            using var forbidden = await loggedClient.PushAsync(PushEnvelopes.Create(Payloads.CourierStart(1), "m-1", Published), "Bearer " + tokens.Sign(audience: "https://someone-else.example/push"));
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
            using var anonymous = await loggedClient.PushAsync(PushEnvelopes.Create(Payloads.CourierStart(2), "m-2", Published), authorization: null);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

            // And counted, so an alert on refused pushes sees a subscription set up wrong.
            Assert.Equal(["forbidden", "unauthenticated"], rejected.Reasons());
        }

        // A subscription set up for another audience refuses every push: the log says so, not only the 403s.
        // It names the token's audience and the one expected, which the sender is not told.
        var line = Assert.Single(logs.Entries, e => e.EventId == 318);
        Assert.Equal(403, line.Values["Status"]);
        Assert.Contains("'https://someone-else.example/push'", line.Message, StringComparison.Ordinal);
        Assert.Equal(1L, Assert.Single(logs.Entries, e => e.EventId == 319).Values["Count"]);
    }

    [Theory]
    [InlineData(200, "text/html", "<html><body>Sign in to the proxy</body></html>")]
    [InlineData(200, "application/json", "{\"keys\": \"none\"}")]
    [InlineData(200, "application/json", "")]
    [InlineData(500, "application/json", "{\"error\": \"backend\"}")]
    public async Task SigningKeysThatCannotBeReadAnswer503SoPubSubRetries(int status, string contentType, string body)
    {
        // An egress proxy's sign-in page, a truncated or wrong answer: the keys, not the token, are what is wrong.
        await using var keys = await LoopbackServer.StartAsync((WebApplication a) => a.MapGet("/certs", () => Results.Text(body, contentType, statusCode: status)));
        var settings = tokens.Settings();
        settings["PushAuth:CertificatesUrl"] = keys.Address + "certs";
        await using var keyless = new ChatIngestApp(settings);
        var keylessClient = keyless.CreateClient();
        using var response = await keylessClient.PushAsync(PushEnvelopes.Create(Payloads.CourierStart(9), "m-9", Published), "Bearer " + tokens.Sign());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.StartsWith($"The token signing keys at {keys.Address}certs could not be ", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenWhoseSignatureCloudRunRemovedGets401NamingTheSettingUnlessItIsOn()
    {
        using var response = await PushAsync(7, "Bearer " + GoogleTokens.RemoveSignature(tokens.Sign()));

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, "signature removed, setting off");
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("PushAuth__SignatureCheckedByCloudRun", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void HalfConfiguredPushAuthIsRejectedNamingTheMissingKey()
    {
        var result = new PushAuthOptionsValidator(new ConfigurationBuilder().Build()).Validate(null, new PushAuthOptions { Audience = GoogleTokens.Audience });

        Assert.True(result.Failed);
        Assert.Contains("PushAuth__ServiceAccountEmail", result.FailureMessage, StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> PushAsync(long orderId, string? authorization) =>
        client.PushAsync(PushEnvelopes.Create(Payloads.CourierStart(orderId), $"m-{orderId}-{Guid.NewGuid():N}", Published), authorization);

    private async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode expected, string why)
    {
        Assert.True(expected == response.StatusCode, $"{why}: expected {expected}, got {response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.Equal(0, (await client.GetJsonAsync("/conversations")).GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await client.GetJsonAsync("/dead-letters")).GetProperty("items").GetArrayLength());
    }

    private static string Encoded(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));
}
