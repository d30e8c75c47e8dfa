using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using ChatIngest.Api.Push;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace ChatIngest.Tests.Api;

/// <summary>
/// Push auth behind Cloud Run's invoker check (<c>--no-allow-unauthenticated</c>), which verifies Pub/Sub's token and
/// passes it on with its signature replaced by SIGNATURE_REMOVED_BY_GOOGLE: with PushAuth__SignatureCheckedByCloudRun
/// the claims are still checked here, unless the request also has X-Serverless-Authorization (then Cloud Run checked
/// that header, not this token); a token that keeps its signature is still checked in full.
/// </summary>
public sealed class CloudRunPushAuthTests : IAsyncLifetime
{
    private static readonly DateTime Published = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);
    private GoogleTokens tokens = null!;
    private ChatIngestApp app = null!;
    private HttpClient client = null!;

    public async Task InitializeAsync()
    {
        tokens = await GoogleTokens.StartAsync();
        var settings = tokens.Settings();
        settings["PushAuth:SignatureCheckedByCloudRun"] = "true";
        settings[PushAuthOptionsValidator.CloudRunServiceVariable] = "chatingest";
        app = new ChatIngestApp(settings);
        client = app.CreateClient();
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await app.DisposeAsync();
        await tokens.DisposeAsync();
    }

    [Fact]
    public async Task ATokenWhoseSignatureCloudRunRemovedIsAcceptedOnItsClaims()
    {
        using var response = await PushAsync(42, GoogleTokens.RemoveSignature(tokens.Sign()));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(42, (await client.GetJsonAsync("/conversations/42")).GetProperty("order_id").GetInt64());
        Assert.Equal(0, tokens.KeyFetches); // nothing left to verify a signature with
    }

    public static TheoryData<string, HttpStatusCode> RefusedClaims() => new()
    {
        { "another account", HttpStatusCode.Forbidden },
        { "unverified e-mail", HttpStatusCode.Forbidden },
        { "another audience", HttpStatusCode.Forbidden },
        { "expired", HttpStatusCode.Unauthorized },
        { "no expiry", HttpStatusCode.Unauthorized },
        { "no issue time", HttpStatusCode.Unauthorized },
        { "issued in the future", HttpStatusCode.Unauthorized },
        { "another issuer", HttpStatusCode.Unauthorized },
        { "claims not JSON", HttpStatusCode.Unauthorized },
        { "claims not base64url", HttpStatusCode.Unauthorized },
        { "two segments", HttpStatusCode.Unauthorized },
        { "an exp no date can hold", HttpStatusCode.Unauthorized },
    };

    [Theory]
    [MemberData(nameof(RefusedClaims))]
    public async Task TheClaimsOfATokenWhoseSignatureCloudRunRemovedAreStillChecked(string why, HttpStatusCode expected)
    {
        var token = why switch
        {
            "another account" => GoogleTokens.RemoveSignature(tokens.Sign(email: "someone-else@demo.iam.gserviceaccount.com")),
            "unverified e-mail" => GoogleTokens.RemoveSignature(tokens.Sign(emailVerified: false)),
            "another audience" => GoogleTokens.RemoveSignature(tokens.Sign(audience: "https://other.example.com/push")),
            "expired" => GoogleTokens.RemoveSignature(tokens.Sign(expiresIn: TimeSpan.FromMinutes(-10))),
            "no expiry" => GoogleTokens.RemoveSignature(tokens.Sign(without: ["exp"])),
            "no issue time" => GoogleTokens.RemoveSignature(tokens.Sign(without: ["iat"])),
            "issued in the future" => GoogleTokens.RemoveSignature(tokens.Sign(issuedIn: TimeSpan.FromMinutes(2))),
            "another issuer" => GoogleTokens.RemoveSignature(tokens.Sign(issuer: "https://evil.example.com")),
            "claims not JSON" => "eyJhbGciOiJSUzI1NiJ9." + Base64Url.EncodeToString("not json"u8) + "." + PushTokenValidator.RemovedSignature,
            "claims not base64url" => "eyJhbGciOiJSUzI1NiJ9.***." + PushTokenValidator.RemovedSignature,
            "two segments" => "eyJhbGciOiJSUzI1NiJ9." + PushTokenValidator.RemovedSignature,
            "an exp no date can hold" => GoogleTokens.RemoveSignature(tokens.Sign(expiresIn: TimeSpan.FromDays(10_000_000))), // past 9999-12-31
            _ => throw new ArgumentOutOfRangeException(nameof(why), why, "no token for this case"),
        };

        using var response = await PushAsync(7, token);

        Assert.True(expected == response.StatusCode, $"{why}: expected {expected}, got {response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, (await client.GetJsonAsync("/conversations")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task ATokenWhoseSignatureCloudRunRemovedIssuedSecondsAheadOfThisClockIsTaken()
    {
        using var response = await PushAsync(7, GoogleTokens.RemoveSignature(tokens.Sign(issuedIn: TimeSpan.FromSeconds(20))));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task ATokenThatKeepsItsSignatureIsStillCheckedInFull()
    {
        using var stranger = RSA.Create(2048);

        using var forged = await PushAsync(7, tokens.Sign(signer: stranger));
        using var genuine = await PushAsync(8, tokens.Sign());

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, genuine.StatusCode);
        Assert.Equal([8L], (await client.GetJsonAsync("/conversations")).GetProperty("items").EnumerateArray().Select(r => r.GetProperty("order_id").GetInt64()));
    }

    [Fact]
    public async Task ATokenWithoutSignatureBesideAnXServerlessAuthorizationHeaderGets401AndStoresNothing()
    {
        // With both headers, Cloud Run checks X-Serverless-Authorization (here a caller's own genuine token) and passes
        // Authorization on untouched: claims there that name the push account were never checked by anyone.
        var callersOwn = (PushTokenValidator.ServerlessAuthorizationHeader, "Bearer " + GoogleTokens.RemoveSignature(tokens.Sign(email: "reader@demo.iam.gserviceaccount.com")));

        using var forged = await PushAsync(7, GoogleTokens.RemoveSignature(tokens.Sign()), callersOwn);
        using var signed = await PushAsync(8, tokens.Sign(), callersOwn);

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal("application/problem+json", forged.Content.Headers.ContentType?.MediaType);
        Assert.Contains(PushTokenValidator.ServerlessAuthorizationHeader, System.Text.Json.JsonDocument.Parse(await forged.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, signed.StatusCode); // a token that keeps its signature is checked in full here
        Assert.Equal([8L], (await client.GetJsonAsync("/conversations")).GetProperty("items").EnumerateArray().Select(r => r.GetProperty("order_id").GetInt64()));
    }

    [Fact]
    public async Task AnAcceptedTokenWithoutSignatureIsNotAcceptedAgainBesideAnXServerlessAuthorizationHeader()
    {
        // The last accepted token is remembered; the same text beside the other header is still refused.
        var token = GoogleTokens.RemoveSignature(tokens.Sign());
        using var first = await PushAsync(7, token);

        using var again = await PushAsync(8, token, (PushTokenValidator.ServerlessAuthorizationHeader, "Bearer x"));

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.Unauthorized), (first.StatusCode, again.StatusCode));
    }

    [Fact]
    public void TheSettingIsRefusedOffCloudRunAndWithoutPushAuth()
    {
        var offCloudRun = new PushAuthOptionsValidator(new ConfigurationBuilder().Build()).Validate(null, new PushAuthOptions
        {
            Audience = GoogleTokens.Audience,
            ServiceAccountEmail = GoogleTokens.PushAccount,
            SignatureCheckedByCloudRun = true,
        });
        var onCloudRun = new PushAuthOptionsValidator(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [PushAuthOptionsValidator.CloudRunServiceVariable] = "chatingest" }).Build());
        var withoutPushAuth = onCloudRun.Validate(null, new PushAuthOptions { SignatureCheckedByCloudRun = true });
        var whole = onCloudRun.Validate(null, new PushAuthOptions
        {
            Audience = GoogleTokens.Audience,
            ServiceAccountEmail = GoogleTokens.PushAccount,
            SignatureCheckedByCloudRun = true,
        });

        Assert.Contains("K_SERVICE", offCloudRun.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("push auth is off", withoutPushAuth.FailureMessage, StringComparison.Ordinal);
        Assert.True(whole.Succeeded);
    }

    private Task<HttpResponseMessage> PushAsync(long orderId, string token, params (string Name, string Value)[] headers) =>
        client.PushAsync(PushEnvelopes.Create(Payloads.CourierStart(orderId), $"m-{orderId}", Published), "Bearer " + token, headers);
}
