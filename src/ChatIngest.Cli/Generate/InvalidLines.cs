namespace ChatIngest.Cli.Generate;

/// <summary>Invalid variants of a generated line, each breaking one VIEW.md input rule.</summary>
internal static class InvalidLines
{
    public const int Kinds = 4;

    public static string From(GeneratedLine line, int kind)
    {
        var text = line.Text;
        var isOrder = line.Kind == LineKind.OrderEvent || !text.Contains("\"senderAppType\"", StringComparison.Ordinal);
        return kind switch
        {
            0 => CutOff(text),                                   // not JSON
            1 => "[" + text + "]",                               // JSON, but not an object
            2 when isOrder => CityCodeEmptied(text),             // cityCode must be non-empty
            2 => text.Replace(Vocabulary.CourierApp, "Robot Web", StringComparison.Ordinal)
                     .Replace(Vocabulary.CustomerApp, "Robot Web", StringComparison.Ordinal), // unknown sender
            _ when isOrder => text.Replace("{\"orderId\": ", "{\"orderId\": \"", StringComparison.Ordinal)
                                  .Replace(", \"cityCode\"", "\", \"cityCode\"", StringComparison.Ordinal), // id as a string
            _ => text.Replace("Z\"}", "\"}", StringComparison.Ordinal), // timestamp without a zone
        };
    }

    private static string CityCodeEmptied(string text)
    {
        var at = text.IndexOf("\"cityCode\": \"", StringComparison.Ordinal);
        return at < 0 ? CutOff(text) : text[..at] + "\"cityCode\": \"\"}";
    }

    /// <summary>The line without its last two characters: not JSON, and as distinct as the line was.</summary>
    private static string CutOff(string text) => text[..^2];
}
