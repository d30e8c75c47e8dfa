using Google.Apis.Auth;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Push;

/// <summary>
/// Checks the OIDC token Pub/Sub sends with each push (GCP.md §2). Google.Apis.Auth checks the RS256 signature
/// against the keys at <see cref="PushAuthOptions.CertificatesUrl"/> (cached per URL, refreshed hourly), the issuer,
/// <c>iat</c> and <c>exp</c>; the audience, <c>email</c> and <c>email_verified</c> are checked here, so that a
/// genuine token meant for someone else is told apart (403) from no or a broken token (401). The library reads the
/// system clock for <c>iat</c>/<c>exp</c>; only the remembered-token shortcut below uses the injected clock.
/// </summary>
internal sealed class PushTokenValidator(IOptions<PushAuthOptions> options, IOptions<PushOptions> push, TimeProvider time)
{
    private static readonly string[] GoogleIssuers = ["https://accounts.google.com", "accounts.google.com"];

    private readonly PushAuthOptions settings = options.Value;
    private readonly SignedTokenVerificationOptions verification = CreateVerification(options.Value);

    /// <summary>
    /// Pub/Sub sends the same token with every push for about an hour: the last accepted one is remembered until it
    /// expires, so the signature is checked once per token, not once per push.
    /// </summary>
    private volatile AcceptedToken? lastAccepted;

    public async ValueTask<PushAuthResult> ValidateAsync(string? authorization, CancellationToken cancellationToken)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || authorization.Length == scheme.Length)
        {
            return PushAuthResult.Unauthenticated("The request has no \"Authorization: Bearer <token>\" header.");
        }

        var token = authorization[scheme.Length..].Trim();
        if (lastAccepted is { } last && string.Equals(last.Token, token, StringComparison.Ordinal) && time.GetUtcNow() < last.ExpiresAt)
        {
            return PushAuthResult.Accepted;
        }

        GoogleJsonWebSignature.Payload payload;
        try
        {
            // The library fetches keys with a 100 s HTTP timeout: a push must not wait past its own deadline for them.
            payload = await JsonWebSignature.VerifySignedTokenAsync<GoogleJsonWebSignature.Payload>(token, verification, cancellationToken)
                .WaitAsync(push.Value.Deadline, time, cancellationToken);
        }
        catch (Exception e) when (e is InvalidJwtException or FormatException or ArgumentException or Newtonsoft.Json.JsonException
            or System.Security.Cryptography.CryptographicException)
        {
            return PushAuthResult.Unauthenticated($"The token is not a valid Google-signed token: {e.Message}");
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException)
        {
            return PushAuthResult.KeysUnavailable($"The token signing keys could not be fetched: {e.Message}");
        }

        if (payload.Audience is not string audience || !string.Equals(audience, settings.Audience, StringComparison.Ordinal))
        {
            return PushAuthResult.Forbidden("The token was issued for another audience.");
        }

        if (!string.Equals(payload.Email, settings.ServiceAccountEmail, StringComparison.OrdinalIgnoreCase) || payload.EmailVerified != true)
        {
            return PushAuthResult.Forbidden("The token belongs to another account, or its e-mail is not verified.");
        }

        if (payload.ExpirationTimeSeconds is { } exp)
        {
            lastAccepted = new AcceptedToken(token, DateTimeOffset.FromUnixTimeSeconds(exp));
        }

        return PushAuthResult.Accepted;
    }

    private static SignedTokenVerificationOptions CreateVerification(PushAuthOptions settings)
    {
        // The audience is left out on purpose: checked below, so that a wrong audience answers 403, not 401.
        var verification = new SignedTokenVerificationOptions
        {
            CertificatesUrl = settings.CertificatesUrl,
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

internal readonly record struct PushAuthResult(PushAuthOutcome Outcome, string? Detail)
{
    public static PushAuthResult Accepted => new(PushAuthOutcome.Accepted, null);

    public static PushAuthResult Unauthenticated(string detail) => new(PushAuthOutcome.Unauthenticated, detail);

    public static PushAuthResult Forbidden(string detail) => new(PushAuthOutcome.Forbidden, detail);

    public static PushAuthResult KeysUnavailable(string detail) => new(PushAuthOutcome.KeysUnavailable, detail);
}
