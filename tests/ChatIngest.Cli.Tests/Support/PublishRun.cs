using System.Net;
using Google.Apis.Auth.OAuth2.Responses;

namespace ChatIngest.Cli.Tests.Support;

/// <summary>The publish tests' runs: lines as NDJSON on stdin, short backoffs, against a <see cref="FakePubSub"/>.</summary>
internal static class PublishRun
{
    /// <summary>Order events with realistic (eight-digit) order ids.</summary>
    public static string[] SmallLines(int count) => Ndjson.Orders(count, first: 10_000_001);

    /// <summary>As against the emulator: no credentials.</summary>
    public static Task<CliResult> ToEmulatorAsync(FakePubSub fake, string[] lines, string topic = FakePubSub.Topic, params string[] options) =>
        CliRun.RunAsync(
            ["publish", "-", "--topic", topic, "--min-backoff", "1ms", "--max-backoff", "5ms", .. options],
            new Dictionary<string, string> { ["PUBSUB_EMULATOR_HOST"] = fake.Host },
            Ndjson.Of(lines));

    /// <summary>With credentials, as against Google: the production address, rerouted to the fake.</summary>
    public static async Task<CliResult> WithCredentialsAsync(FakePubSub fake, ScriptedTokens tokens, string[] lines, params string[] options)
    {
        using var route = new ReroutingHandler(new Uri($"http://{fake.Host}"));
        return await CliRun.RunAsync(
            ["publish", "-", "--topic", FakePubSub.Topic, "--min-backoff", "1ms", "--max-backoff", "5ms", .. options],
            stdin: Ndjson.Of(lines), credentials: tokens, http: route);
    }

    /// <summary>What Google.Apis.Auth throws when the token endpoint answers with an error (or with no JSON at all).</summary>
    public static TokenResponseException TokenFailure(HttpStatusCode status, string error = "Server response does not contain a JSON object.", string? description = null) =>
        new(new TokenErrorResponse { Error = error, ErrorDescription = description }, status);
}
