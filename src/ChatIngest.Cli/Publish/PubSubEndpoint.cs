using System.Globalization;
using System.Text.RegularExpressions;
using Google.Apis.Auth.OAuth2;

namespace ChatIngest.Cli.Publish;

/// <summary>
/// Where publish requests go and how they are authorised (GCP.md §3): with <c>PUBSUB_EMULATOR_HOST=host:port</c>,
/// <c>http://host:port/v1/…</c> and no credentials; otherwise <c>https://pubsub.googleapis.com/v1/…</c> with an
/// access token from Application Default Credentials, scope pubsub.
/// </summary>
internal sealed partial class PubSubEndpoint(Uri publishUri, ITokenAccess? credential)
{
    public const string EmulatorVariable = "PUBSUB_EMULATOR_HOST";
    public const string Scope = "https://www.googleapis.com/auth/pubsub";

    /// <summary>What to do when Application Default Credentials are missing or refused.</summary>
    public const string LogInHint = "Run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file";

    public Uri PublishUri { get; } = publishUri;

    /// <summary>A host name, IPv4 or [IPv6] address, then a port: what the emulator's env-init prints.</summary>
    [GeneratedRegex(@"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$")]
    private static partial Regex HostAndPort();

    /// <summary>Why <c>PUBSUB_EMULATOR_HOST</c> cannot be used, or null when it is unset or host:port.</summary>
    public static string? EmulatorProblem(CliContext context)
    {
        var value = context.Environment(EmulatorVariable);
        if (string.IsNullOrWhiteSpace(value)
            || (HostAndPort().Match(value.Trim()) is { Success: true } match && int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) is > 0 and <= 65535))
        {
            return null;
        }

        return $"{EmulatorVariable} must be host:port, got '{value}'{(value.Contains("://", StringComparison.Ordinal) ? " (leave out the scheme)" : "")}.";
    }

    public static async Task<PubSubEndpoint> CreateAsync(string topic, CliContext context, CancellationToken cancellationToken)
    {
        var emulator = context.Environment(EmulatorVariable);
        if (!string.IsNullOrWhiteSpace(emulator))
        {
            return new PubSubEndpoint(new Uri($"http://{emulator.Trim()}/v1/{topic}:publish"), null);
        }

        var credential = await context.GoogleCredentials(Scope, cancellationToken);
        return new PubSubEndpoint(new Uri($"https://pubsub.googleapis.com/v1/{topic}:publish"), credential);
    }

    public async Task<string?> AccessTokenAsync(CancellationToken cancellationToken) =>
        credential is null ? null : await credential.GetAccessTokenForRequestAsync(PublishUri.ToString(), cancellationToken);
}
