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

    /// <summary>The push subscription's <c>oidcToken.audience</c>: one case-sensitive string.</summary>
    public string? Audience { get; set; }

    /// <summary>The push subscription's <c>oidcToken.serviceAccountEmail</c>.</summary>
    public string? ServiceAccountEmail { get; set; }

    /// <summary>Where the token signing keys (a JWKS) are fetched from; cached and refreshed hourly.</summary>
    public string CertificatesUrl { get; set; } = GoogleCertificatesUrl;

    public bool Enabled => !string.IsNullOrWhiteSpace(Audience) && !string.IsNullOrWhiteSpace(ServiceAccountEmail);
}
