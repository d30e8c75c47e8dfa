using System.Globalization;

namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>
/// Decodes the strings <c>jobs.query</c> answers with (GCP.md §5: every scalar is a string). TIMESTAMP comes as int64
/// microseconds when <c>formatOptions.useInt64Timestamp</c> is on, else as float seconds such as <c>"1.7E9"</c>.
/// </summary>
internal static class BigQueryValues
{
    private static readonly long MaxMicros = (DateTime.MaxValue - DateTime.UnixEpoch).Ticks / 10;
    private static readonly long MinMicros = (DateTime.MinValue - DateTime.UnixEpoch).Ticks / 10;

    /// <summary>
    /// Int64 microseconds when the text is a plain integer (what we ask for), float seconds when it has a fraction or
    /// an exponent (what BigQuery sends without <c>useInt64Timestamp</c>); decimal keeps both exact to the microsecond.
    /// </summary>
    public static DateTime Timestamp(string text)
    {
        long micros;
        try
        {
            micros = text.AsSpan().IndexOfAny('.', 'e', 'E') < 0
                ? long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
                : (long)decimal.Truncate(decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture) * 1_000_000m);
        }
        catch (OverflowException)
        {
            micros = long.MaxValue;
        }

        if (micros > MaxMicros || micros < MinMicros)
        {
            throw new FormatException($"TIMESTAMP '{text}' is outside the range of DateTime.");
        }

        return new DateTime(DateTime.UnixEpoch.Ticks + (micros * 10), DateTimeKind.Utc);
    }

    /// <summary>Exact for every 64-bit value: never through a double.</summary>
    public static long Int64(string text) => long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    /// <summary>FLOAT64, including BigQuery's <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c>.</summary>
    public static double Float64(string text) => text switch
    {
        "NaN" => double.NaN,
        "Infinity" => double.PositiveInfinity,
        "-Infinity" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    public static bool Bool(string text) => text switch
    {
        "true" or "TRUE" or "True" => true,
        "false" or "FALSE" or "False" => false,
        _ => throw new FormatException($"BOOL '{text}' is neither true nor false."),
    };

    /// <summary>BYTES come base64-encoded.</summary>
    public static byte[] Bytes(string text) => Convert.FromBase64String(text);
}
