using System.Text.Json;
using ChatIngest.Cli.Common;

namespace ChatIngest.Cli.Publish;

/// <summary>
/// A Pub/Sub error answer on one line: Google's body is <c>{"error": {"code", "message", "status"}}</c>, of which the
/// status name and the message say what went wrong; 401 and 403 get what to do about it.
/// </summary>
internal static class GoogleError
{
    public static string Describe(int code, string status, string body)
    {
        var said = Said(body).TrimEnd('.');
        var hint = code switch
        {
            401 => $". {PubSubEndpoint.LogInHint} (the credentials in use were not accepted)",
            403 => ". The account needs roles/pubsub.publisher on the topic",
            _ => "",
        };
        return $"{status}{(said.Length > 0 ? $": {said}" : "")}{hint}";
    }

    private static string Said(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                && (AnswerText.Text(error, "status"), AnswerText.Text(error, "message")) is var (name, message) && (name ?? message) is not null)
            {
                return AnswerText.Shorten(name is null || message is null ? (name ?? message)! : $"{name}: {message}");
            }
        }
        catch (JsonException)
        {
            // Not Google's JSON (a proxy's page, an empty body): its own text, shortened.
        }

        return AnswerText.Shorten(body);
    }
}
