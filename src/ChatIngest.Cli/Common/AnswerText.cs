using System.Text.Json;

namespace ChatIngest.Cli.Common;

/// <summary>How a server's answer and a send's failure read in one line of a run's output.</summary>
internal static class AnswerText
{
    private const int MaxLength = 300;

    /// <summary>An answer body on one line, cut short.</summary>
    public static string Shorten(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= MaxLength ? line : line[..MaxLength] + "…";
    }

    /// <summary>Why a send failed, and after how many attempts when there was more than one.</summary>
    public static string AfterAttempts(string problem, int attempts) =>
        attempts > 1 ? $"{problem.TrimEnd('.')} after {attempts} attempts" : problem;

    /// <summary>A string property of a JSON answer (a problem's title, a Google error's message), or null.</summary>
    public static string? Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
