using Google.Apis.Auth.OAuth2;

namespace ChatIngest.Cli.Publish;

/// <summary>
/// Where publish requests go and how they are authorised (GCP.md §3): with <c>PUBSUB_EMULATOR_HOST=host:port</c>,
/// <c>http://host:port/v1/…</c> and no credentials; otherwise <c>https://pubsub.googleapis.com/v1/…</c> with an
/// access token from Application Default Credentials, scope pubsub.
/// </summary>
internal sealed class PubSubEndpoint(Uri publishUri, ITokenAccess? credential)
{
    public const string EmulatorVariable = "PUBSUB_EMULATOR_HOST";
    public const string Scope = "https://www.googleapis.com/auth/pubsub";

    /// <summary>What to do when Application Default Credentials are missing or refused.</summary>
    public const string LogInHint = "Run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file";

    public Uri PublishUri { get; } = publishUri;


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
