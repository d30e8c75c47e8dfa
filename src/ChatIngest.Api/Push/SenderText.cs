using System.Globalization;
using System.Text;

namespace ChatIngest.Api.Push;

/// <summary>
/// Text a push's sender chose (a token's audience, a field's name in a problem's detail), made safe for a log line:
/// cut at a length, never inside a surrogate pair, with control, line- and paragraph-separator and format characters
/// (bidi overrides among them) escaped as <c>\uXXXX</c>, so it cannot start a line of its own or turn the line around.
/// </summary>
internal static class SenderText
{
    private const int MaxLength = 200;

    /// <summary>In single quotes, its own quotes and backslashes escaped, so it cannot close them and go on as ours.</summary>
    public static string Quote(string? text) => text is null ? "(none)" : $"'{Escape(text, quotes: true)}'";

    /// <summary>Escaped, and cut at <paramref name="max"/> characters (a problem's detail, ours with the sender's inside, is longer).</summary>
    public static string Escape(string text, bool quotes = false, int max = MaxLength)
    {
        var cut = text.Length > max ? max - (char.IsHighSurrogate(text[max - 1]) ? 1 : 0) : text.Length;
        var escaped = new StringBuilder(cut + 8);
        foreach (var c in text.AsSpan(0, cut))
        {
            var escape = char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Format
                || (quotes && c is '\'' or '\\');
            _ = escape ? escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}") : escaped.Append(c);
        }

        return cut < text.Length ? escaped.Append('…').ToString() : escaped.ToString();
    }
}
