namespace ChatIngest.Cli.Common;

/// <summary>A server's answer body cut short for one line of a run's output.</summary>
internal static class AnswerText
{
    private const int MaxLength = 300;

    public static string Shorten(string text) => text.Length <= MaxLength ? text : text[..MaxLength] + "…";
}
