using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Push;

/// <summary>Checked at start: half a push-auth configuration would silently leave the endpoint open.</summary>
internal sealed class PushAuthOptionsValidator(IConfiguration configuration) : IValidateOptions<PushAuthOptions>
{
    /// <summary>The variable Cloud Run sets in every service's container: the service's name.</summary>
    public const string CloudRunServiceVariable = "K_SERVICE";

    public ValidateOptionsResult Validate(string? name, PushAuthOptions options)
    {
        var failures = new List<string>();
        var hasAudience = !string.IsNullOrWhiteSpace(options.Audience);
        var hasEmail = !string.IsNullOrWhiteSpace(options.ServiceAccountEmail);
        if (hasAudience != hasEmail)
        {
            failures.Add(hasAudience
                ? "PushAuth__ServiceAccountEmail is missing; set it together with PushAuth__Audience (or neither, to turn push auth off)."
                : "PushAuth__Audience is missing; set it together with PushAuth__ServiceAccountEmail (or neither, to turn push auth off).");
        }

        if (hasEmail && options.ServiceAccountEmail!.Trim() is var email && (email.IndexOf('@', StringComparison.Ordinal) is <= 0 || email.EndsWith('@')))
        {
            failures.Add($"PushAuth__ServiceAccountEmail '{options.ServiceAccountEmail}' is not an e-mail address.");
        }

        if (!Uri.TryCreate(options.CertificatesUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            failures.Add($"PushAuth__CertificatesUrl '{options.CertificatesUrl}' is not an http(s) URL.");
        }

        if (options.SignatureCheckedByCloudRun && !options.Enabled)
        {
            failures.Add("PushAuth__SignatureCheckedByCloudRun is true but push auth is off: set PushAuth__Audience and PushAuth__ServiceAccountEmail too, or leave it unset.");
        }
        else if (options.SignatureCheckedByCloudRun && string.IsNullOrEmpty(configuration[CloudRunServiceVariable]))
        {
            failures.Add($"PushAuth__SignatureCheckedByCloudRun is true but this is not Cloud Run ({CloudRunServiceVariable} is unset): nothing here checked the signatures it would take on trust. Leave it unset.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
