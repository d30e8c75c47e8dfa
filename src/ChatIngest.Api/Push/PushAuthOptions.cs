namespace ChatIngest.Api.Push;

/// <summary>
/// The <c>PushAuth</c> configuration section (GCP.md §2). With both <see cref="Audience"/> and
/// <see cref="ServiceAccountEmail"/> set, every push must carry a Google-signed OIDC token for them; with neither,
/// push authentication is off (and the service says so at start).
/// </summary>
internal sealed class PushAuthOptions
{
    public const string SectionName = "PushAuth";
    public const string GoogleCertificatesUrl = "https://www.googleapis.com/oauth2/v3/certs";

    /// <summary>
    /// The push subscription's <c>oidcToken.audience</c>: one case-sensitive string. Without the white space around it:
    /// a value kept in a file or a secret often ends in a newline, which no token's audience has, so every push was 403.
    /// </summary>
    public string? Audience { get; set => field = value?.Trim(); }

    /// <summary>The push subscription's <c>oidcToken.serviceAccountEmail</c>, without the white space around it.</summary>
    public string? ServiceAccountEmail { get; set => field = value?.Trim(); }

    /// <summary>Where the token signing keys (a JWKS) are fetched from; cached and refreshed hourly.</summary>
    public string CertificatesUrl { get; set; } = GoogleCertificatesUrl;

    /// <summary>
    /// Set on Cloud Run behind its invoker check (<c>--no-allow-unauthenticated</c>): Cloud Run verifies a Google-signed
    /// token itself and passes it on with its signature replaced by <c>SIGNATURE_REMOVED_BY_GOOGLE</c>, so such a token's
    /// claims (issuer, audience, account, expiry) are checked here without the signature. A token that still has its
    /// signature is checked in full either way. Refused at start off Cloud Run (no <c>K_SERVICE</c>).
    /// </summary>
    public bool SignatureCheckedByCloudRun { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Audience) && !string.IsNullOrWhiteSpace(ServiceAccountEmail);
}
