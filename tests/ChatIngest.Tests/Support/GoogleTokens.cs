using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace ChatIngest.Tests.Support;

/// <summary>
/// Stands in for Google's token issuer: signs RS256 OIDC tokens like the ones Pub/Sub sends (GCP.md §2) with its own
/// key, and serves that key as a JWKS on 127.0.0.1 at a path of its own: Google.Apis.Auth caches keys per URL for an hour,
/// process-wide, and a port the system hands out again would otherwise bring back an earlier issuer's key.
/// </summary>
public sealed class GoogleTokens : IAsyncDisposable
{
    public const string Audience = "https://chatingest.test/pubsub/push";
    public const string PushAccount = "pubsub-push@demo.iam.gserviceaccount.com";
    private const string KeyId = "test-key-1";

    private readonly RSA key = RSA.Create(2048);
    private LoopbackServer server = null!;

    private GoogleTokens()
    {
    }

    public string CertificatesUrl { get; private set; } = "";

    private int keyFetches;

    public int KeyFetches => keyFetches;

    public static async Task<GoogleTokens> StartAsync()
    {
        var tokens = new GoogleTokens();
        var path = $"{Guid.NewGuid():N}/oauth2/v3/certs";
        tokens.server = await LoopbackServer.StartAsync(app => app.MapGet("/" + path, () =>
        {
            Interlocked.Increment(ref tokens.keyFetches);
            return Results.Text(tokens.Jwks(), "application/json");
        }));
        tokens.CertificatesUrl = tokens.server.Address + path;
        return tokens;
    }

    /// <summary>The settings that turn push auth on against this issuer.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["PushAuth:Audience"] = Audience,
        ["PushAuth:ServiceAccountEmail"] = PushAccount,
        ["PushAuth:CertificatesUrl"] = CertificatesUrl,
    };

    public string Sign(
        string audience = Audience, string email = PushAccount, bool emailVerified = true,
        string issuer = "https://accounts.google.com", TimeSpan? expiresIn = null, RSA? signer = null,
        TimeSpan? issuedIn = null, string[]? without = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new { alg = "RS256", kid = KeyId, typ = "JWT" };
        var payload = new Dictionary<string, object>
        {
            ["iss"] = issuer,
            ["aud"] = audience,
            ["azp"] = "112233445566778899",
            ["sub"] = "112233445566778899",
            ["email"] = email,
            ["email_verified"] = emailVerified,
            ["iat"] = now + (long)(issuedIn ?? TimeSpan.FromMinutes(-1)).TotalSeconds,
            ["exp"] = now + (long)(expiresIn ?? TimeSpan.FromHours(1)).TotalSeconds,
        };
        foreach (var claim in without ?? [])
        {
            payload.Remove(claim);
        }

        var signingInput = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(payload));
        var signature = (signer ?? key).SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>
    /// What Cloud Run's invoker check passes on once it verified a Google-signed token: the same header and claims,
    /// the signature replaced by SIGNATURE_REMOVED_BY_GOOGLE.
    /// </summary>
    public static string RemoveSignature(string token) => token[..(token.LastIndexOf('.') + 1)] + "SIGNATURE_REMOVED_BY_GOOGLE";

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        key.Dispose();
    }

    private string Jwks()
    {
        var parameters = key.ExportParameters(includePrivateParameters: false);
        var jwk = new { kty = "RSA", alg = "RS256", use = "sig", kid = KeyId, n = Base64Url.EncodeToString(parameters.Modulus!), e = Base64Url.EncodeToString(parameters.Exponent!) };
        return JsonSerializer.Serialize(new { keys = new[] { jwk } });
    }
}
