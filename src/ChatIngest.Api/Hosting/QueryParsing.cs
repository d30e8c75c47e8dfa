using System.Globalization;
using ChatIngest.Core.Messages;

namespace ChatIngest.Api.Hosting;

/// <summary>Query-string values read strictly, each failure a sentence naming the parameter.</summary>
internal static class QueryParsing
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static bool TryLimit(string? text, out int limit, out string? error)
    {
        error = null;
        limit = DefaultLimit;
        if (text is null)
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= MaxLimit)
        {
            return true;
        }

        error = $"limit must be a whole number from 1 to {MaxLimit}; got '{text}'.";
        return false;
    }

    public static bool TryTimestamp(string name, string? text, out DateTime? value, out string? error)
    {
        value = null;
        error = null;
        if (text is null)
        {
            return true;
        }

        // Rounded up to the microsecond: stored times are whole microseconds, so ">= after" and "< before" still hold.
        if (Rfc3339.TryParseUtcRoundingUp(text, out var parsed))
        {
            value = parsed;
            return true;
        }

        error = $"{name} must be an RFC 3339 timestamp with a zone, e.g. 2024-02-01T10:00:00Z; got '{text}'.";
        if (text.Length > 6 && text[^6] == ' ' && Rfc3339.TryParseUtc(string.Concat(text.AsSpan(0, text.Length - 6), "+", text.AsSpan(text.Length - 5)), out _))
        {
            error += " A '+' in a URL's query is read as a space: write the offset's + as %2B.";
        }

        return false;
    }

    /// <summary>
    /// <c>started_after</c> (inclusive) and <c>started_before</c> (exclusive). One later than the other is refused:
    /// the range would be empty, and it is far more likely two swapped values than a question with no answer.
    /// </summary>
    public static bool TryStartedRange(string? afterText, string? beforeText, out DateTime? after, out DateTime? before, out string? error)
    {
        before = null;
        if (!TryTimestamp("started_after", afterText, out after, out error) || !TryTimestamp("started_before", beforeText, out before, out error))
        {
            return false;
        }

        if (after > before)
        {
            error = $"started_after ({afterText}) is later than started_before ({beforeText}); were they swapped?";
            return false;
        }

        return true;
    }
}
