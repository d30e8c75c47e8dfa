using System.Buffers.Text;
using System.Text;
using Google.Apis.Auth;
using Google.Apis.Json;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Push;

/// <summary>
/// Checks the OIDC token Pub/Sub sends with each push (GCP.md §2). Google.Apis.Auth checks the RS256 signature
/// against the keys at <see cref="PushAuthOptions.CertificatesUrl"/> (cached per URL, refreshed hourly), the issuer,
/// <c>iat</c> and <c>exp</c>; the audience, <c>email</c> and <c>email_verified</c> are checked here, so that a
/// genuine token meant for someone else is told apart (403) from no or a broken token (401). The library reads the
/// system clock for <c>iat</c>/<c>exp</c>; only the remembered-token shortcut below uses the injected clock.
/// <para>
/// Behind Cloud Run's invoker check the token arrives with its signature removed (Cloud Run verified it): with
/// <see cref="PushAuthOptions.SignatureCheckedByCloudRun"/> its issuer, <c>iat</c> and <c>exp</c> are checked here on
/// the injected clock instead, and the audience and account as for any token; without it, it is refused.
/// </para>
/// </summary>
internal sealed class PushTokenValidator(IOptions<PushAuthOptions> options, IOptions<PushOptions> push, TimeProvider time)
{
    /// <summary>What Cloud Run's invoker check puts in place of a Google-signed token's signature once it verified it.</summary>
    public const string RemovedSignature = "SIGNATURE_REMOVED_BY_GOOGLE";

    private static readonly string[] GoogleIssuers = ["https://accounts.google.com", "accounts.google.com"];

    private readonly PushAuthOptions settings = options.Value;
    private readonly SignedTokenVerificationOptions verification = CreateVerification(options.Value);

    /// <summary>
    /// Pub/Sub sends the same token with every push for about an hour: the last accepted one is remembered until it
    /// expires, so the signature is checked once per token, not once per push.
    /// </summary>
    private volatile AcceptedToken? lastAccepted;

    /// <summary>The header Cloud Run's invoker check reads instead of <c>Authorization</c> when a request has both.</summary>
    public const string ServerlessAuthorizationHeader = "X-Serverless-Authorization";

    /// <param name="authorization">The request's <c>Authorization</c> header: the token checked.</param>
    /// <param name="serverlessAuthorization">Its <see cref="ServerlessAuthorizationHeader"/>, if any: with one, Cloud Run's
    /// invoker check was made on that header and <c>Authorization</c> was passed on unchecked.</param>
    public async ValueTask<PushAuthResult> ValidateAsync(string? authorization, string? serverlessAuthorization, CancellationToken cancellationToken)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || authorization.Length == scheme.Length)
        {
            return PushAuthResult.Unauthenticated("The request has no \"Authorization: Bearer <token>\" header.");
        }

        var token = authorization[scheme.Length..].Trim();
        var signatureRemoved = token.EndsWith("." + RemovedSignature, StringComparison.Ordinal);
        if (signatureRemoved && serverlessAuthorization is not null)
        {
            // Anyone Cloud Run lets in (run.invoker) could otherwise put claims of their choosing in Authorization.
            return PushAuthResult.Unauthenticated(
                $"The token's signature was removed ({RemovedSignature}), but the request also has an {ServerlessAuthorizationHeader} header: "
                + "Cloud Run's invoker check was made on that header, and Authorization was passed on unchecked. Pub/Sub sends only Authorization.");
        }

        if (lastAccepted is { } last && string.Equals(last.Token, token, StringComparison.Ordinal) && time.GetUtcNow() < last.ExpiresAt)
        {
            return PushAuthResult.Accepted;
        }

        var (payload, refusal) = signatureRemoved
            ? ReadCheckedByCloudRun(token)
            : await VerifyAsync(token, cancellationToken);
        if (payload is null)
        {
            return refusal;
        }

        if (payload.Audience is not string audience || !string.Equals(audience, settings.Audience, StringComparison.Ordinal))
        {
            return PushAuthResult.Forbidden("The token was issued for another audience.",
                $"the token was issued for audience {SenderText.Quote(Claim(payload.Audience))}, and PushAuth__Audience is '{settings.Audience}'");
        }

        if (!string.Equals(payload.Email, settings.ServiceAccountEmail, StringComparison.OrdinalIgnoreCase) || payload.EmailVerified != true)
        {
            return PushAuthResult.Forbidden("The token belongs to another account, or its e-mail is not verified.",
                $"the token is of account {SenderText.Quote(payload.Email)} (e-mail verified: {(payload.EmailVerified == true ? "yes" : "no")}), "
                + $"and PushAuth__ServiceAccountEmail is '{settings.ServiceAccountEmail}'");
        }

        if (payload.ExpirationTimeSeconds is { } exp)
        {
            lastAccepted = new AcceptedToken(token, DateTimeOffset.FromUnixTimeSeconds(exp));
        }

        return PushAuthResult.Accepted;
    }

    /// <summary>A claim's text: <c>aud</c> may be a list, which Google.Apis.Auth holds as JSON.</summary>
    private static string? Claim(object? value) =>
        value is Newtonsoft.Json.Linq.JToken json ? json.ToString(Newtonsoft.Json.Formatting.None) : value?.ToString();

    /// <summary>Google.Apis.Auth's full check: signature, issuer, <c>iat</c> and <c>exp</c>.</summary>
    private async ValueTask<(GoogleJsonWebSignature.Payload?, PushAuthResult)> VerifyAsync(string token, CancellationToken cancellationToken)
    {
        try
        {
            // The library fetches keys with a 100 s HTTP timeout: a push must not wait past its own deadline for them.
            return (await JsonWebSignature.VerifySignedTokenAsync<GoogleJsonWebSignature.Payload>(token, verification, cancellationToken)
                .WaitAsync(push.Value.Deadline, time, cancellationToken), default);
        }
        catch (InvalidJwtException e)
        {
            return (null, PushAuthResult.Unauthenticated($"The token is not a valid Google-signed token: {e.Message}"));
        }
        catch (Exception e) when (e is FormatException or ArgumentException or Newtonsoft.Json.JsonException
            or System.Security.Cryptography.CryptographicException or InvalidCastException)
        {
            // The library throws these for a token it cannot read, and for keys it cannot read: an answer that is not a
            // JWKS (an egress proxy's sign-in page, a truncated body, no keys). A token that reads, in the form Google's
            // take, is not the cause, and then the keys are, as when they cannot be fetched at all: 503, and Pub/Sub
            // retries. (Anyone may send a token: one shaped to make the library fail must not pass as a keys outage.)
            return NotAsGoogleSignsThem(token) is { } why
                ? (null, PushAuthResult.Unauthenticated($"The token is not a valid Google-signed token: {why}."))
                : (null, PushAuthResult.KeysUnavailable($"The token signing keys at {settings.CertificatesUrl} could not be read: {e.Message}"));
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException)
        {
            return (null, PushAuthResult.KeysUnavailable($"The token signing keys at {settings.CertificatesUrl} could not be fetched: {e.Message}"));
        }
    }

    /// <summary>
    /// Why the token is not in the form Google's ID tokens take, or null when it is: three base64url parts, a header
    /// of alg RS256, claims that read, times a date can hold, a signature of 256 bytes (RSA-2048).
    /// </summary>
    private static string? NotAsGoogleSignsThem(string token) => Read(token) switch
    {
        null => "it is not three base64url parts whose first two are JSON objects",
        { Header.Algorithm: var algorithm } when !string.Equals(algorithm, "RS256", StringComparison.Ordinal) =>
            $"it is signed with {algorithm ?? "no algorithm"}, and Google signs with RS256",
        _ when !Base64Url.IsValid(token.AsSpan(token.LastIndexOf('.') + 1), out var signatureBytes) || signatureBytes != 256 =>
            "its signature is not 256 bytes of base64url",
        { Claims: var claims } when TimesNoDateHolds(claims) => "its exp or iat is not a time",
        _ => null,
    };

    /// <summary>The last second a date can hold here: 9999-12-31T23:59:59Z.</summary>
    private static readonly long MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>An <c>exp</c> or <c>iat</c> past <see cref="MaxUnixSeconds"/> or before 1970.</summary>
    private static bool TimesNoDateHolds(GoogleJsonWebSignature.Payload claims) =>
        claims.ExpirationTimeSeconds < 0 || claims.ExpirationTimeSeconds > MaxUnixSeconds
        || claims.IssuedAtTimeSeconds < 0 || claims.IssuedAtTimeSeconds > MaxUnixSeconds;

    /// <summary>
    /// The token's header and claims, read as the library reads them, without checking anything; null when it is not
    /// three base64url parts whose first two are JSON objects of the token's header and claims.
    /// </summary>
    private static (GoogleJsonWebSignature.Header Header, GoogleJsonWebSignature.Payload Claims)? Read(string token)
    {
        try
        {
            var parts = token.Split('.');
            return parts.Length == 3
                && NewtonsoftJsonSerializer.Instance.Deserialize<GoogleJsonWebSignature.Header>(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[0]))) is { } header
                && NewtonsoftJsonSerializer.Instance.Deserialize<GoogleJsonWebSignature.Payload>(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1]))) is { } claims
                    ? (header, claims)
                    : null;
        }
        catch (Exception e) when (e is FormatException or Newtonsoft.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// A token whose signature Cloud Run's invoker check verified and removed (<see cref="PushAuthOptions.SignatureCheckedByCloudRun"/>):
    /// the same checks of issuer, <c>iat</c> and <c>exp</c> as the library's, on the claims alone. Refused unless that
    /// setting says Cloud Run's check stands in front of this service.
    /// </summary>
    private (GoogleJsonWebSignature.Payload?, PushAuthResult) ReadCheckedByCloudRun(string token)
    {
        if (!settings.SignatureCheckedByCloudRun)
        {
            return (null, PushAuthResult.Unauthenticated(
                $"The token's signature was removed by Cloud Run's invoker check ({RemovedSignature}), so it cannot be checked here. "
                + "Behind Cloud Run with --no-allow-unauthenticated, set PushAuth__SignatureCheckedByCloudRun=true."));
        }

        var payload = Read(token)?.Claims;
        var now = time.GetUtcNow();
        var problem = payload switch
        {
            null => "its claims are not a JSON object",
            { Issuer: var issuer } when !GoogleIssuers.Contains(issuer, StringComparer.Ordinal) => "it was issued by someone else than Google",
            { ExpirationTimeSeconds: null } => "it has no expiry",
            { IssuedAtTimeSeconds: null } => "it has no issue time",
            { } claims when TimesNoDateHolds(claims) => "its exp or iat is not a time",
            { ExpirationTimeSeconds: { } exp } when now > DateTimeOffset.FromUnixTimeSeconds(exp) + verification.ExpiryClockTolerance => "it has expired",
            { IssuedAtTimeSeconds: { } iat } when now < DateTimeOffset.FromUnixTimeSeconds(iat) - verification.IssuedAtClockTolerance => "it was issued in the future",
            _ => null,
        };
        return problem is null
            ? (payload, default)
            : (null, PushAuthResult.Unauthenticated($"The token whose signature Cloud Run removed is not valid: {problem}."));
    }

    private static SignedTokenVerificationOptions CreateVerification(PushAuthOptions settings)
    {
        // The audience is left out on purpose: checked below, so that a wrong audience answers 403, not 401.
        // A token issued up to 30 s ahead of this clock is taken, as GoogleJsonWebSignature.ValidateAsync's defaults do
        // (GCP.md §2): Pub/Sub uses a new token at once, and with none a host whose clock is a second behind Google's
        // would refuse every push for it. Expiry gets no tolerance, as there.
        var verification = new SignedTokenVerificationOptions
        {
            CertificatesUrl = settings.CertificatesUrl,
            IssuedAtClockTolerance = TimeSpan.FromSeconds(30),
        };
        foreach (var issuer in GoogleIssuers)
        {
            verification.TrustedIssuers.Add(issuer);
        }

        return verification;
    }

    private sealed record AcceptedToken(string Token, DateTimeOffset ExpiresAt);
}

internal enum PushAuthOutcome
{
    Accepted,
    Unauthenticated,
    Forbidden,
    KeysUnavailable,
}

/// <summary>
/// A push's token check. <paramref name="Detail"/> is the answer's; <paramref name="LogDetail"/>, when given, what the
/// log says instead: for a token for someone else, what it was for and what is expected, which the operator needs to
/// find a subscription set up wrong and the sender is not told (the push account's address, say).
/// </summary>
internal readonly record struct PushAuthResult(PushAuthOutcome Outcome, string? Detail, string? LogDetail = null)
{
    public static PushAuthResult Accepted => new(PushAuthOutcome.Accepted, null);

    public static PushAuthResult Unauthenticated(string detail) => new(PushAuthOutcome.Unauthenticated, detail);

    public static PushAuthResult Forbidden(string detail, string logDetail) => new(PushAuthOutcome.Forbidden, detail, logDetail);

    public static PushAuthResult KeysUnavailable(string detail) => new(PushAuthOutcome.KeysUnavailable, detail);
}
