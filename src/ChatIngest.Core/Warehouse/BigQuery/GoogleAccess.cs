using Google.Apis.Auth.OAuth2;
using Microsoft.Extensions.Options;

namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>
/// Bearer tokens for BigQuery from Application Default Credentials, only when the endpoint is Google's. A fake or an
/// emulator (any other host) gets no credentials, as Pub/Sub's emulator convention does.
/// </summary>
internal sealed class GoogleAccess(IOptions<WarehouseOptions> options)
{
    private static readonly string[] Scopes = ["https://www.googleapis.com/auth/bigquery", "https://www.googleapis.com/auth/cloud-platform"];
    private readonly Lazy<Task<ITokenAccess?>> credential = new(() => ResolveAsync(options.Value.BigQueryEndpoint));

    public static bool IsGoogleEndpoint(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
        && (uri.Host.Equals("googleapis.com", StringComparison.OrdinalIgnoreCase)
            || uri.Host.EndsWith(".googleapis.com", StringComparison.OrdinalIgnoreCase));

    /// <summary>Finds the credentials once; throws <see cref="InvalidSettingException"/> when Google's endpoint has none.</summary>
    public async Task EnsureAsync() => await credential.Value.ConfigureAwait(false);

    /// <summary>The value of the Authorization header, or null when no credentials are used.</summary>
    public async Task<string?> AuthorizationAsync(CancellationToken cancellationToken)
    {
        if (await credential.Value.ConfigureAwait(false) is not { } access)
        {
            return null;
        }

        var token = await access.GetAccessTokenForRequestAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return $"Bearer {token}";
    }

    private static async Task<ITokenAccess?> ResolveAsync(string endpoint)
    {
        if (!IsGoogleEndpoint(endpoint))
        {
            return null;
        }

        try
        {
            var adc = await GoogleCredential.GetApplicationDefaultAsync().ConfigureAwait(false);
            return adc.CreateScoped(Scopes);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidSettingException(
                $"Warehouse__BigQueryEndpoint is Google's ({endpoint}) but Application Default Credentials are not available "
                + $"({e.Message.Split('\n', 2)[0].Trim()}); set GOOGLE_APPLICATION_CREDENTIALS, run "
                + "'gcloud auth application-default login', or run on Google Cloud with a service account.", e);
        }
    }
}
