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

        if (Rfc3339.TryParseUtc(text, out var parsed))
        {
            value = parsed;
            return true;
        }

        error = $"{name} must be an RFC 3339 timestamp with a zone, e.g. 2024-02-01T10:00:00Z; got '{text}'.";
        return false;
    }
}
