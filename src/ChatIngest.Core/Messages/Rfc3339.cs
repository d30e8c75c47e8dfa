using System.Globalization;
using System.Text.RegularExpressions;

namespace ChatIngest.Core.Messages;

/// <summary>
/// Strict RFC 3339 timestamps: a zone (<c>Z</c> or <c>±hh:mm</c>) is required, fractions of any length are allowed.
/// The result is UTC, truncated to whole microseconds because that is what DuckDB and BigQuery TIMESTAMPs hold.
/// </summary>
public static partial class Rfc3339
{
    [GeneratedRegex(@"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,18}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool TryParseUtc(string? text, out DateTime utc)
    {
        utc = default;
        if (text is null || text.Length > 64)
        {
            return false;
        }

        var m = Pattern().Match(text);
        if (!m.Success)
        {
            return false;
        }

        int Part(int i) => int.Parse(m.Groups[i].ValueSpan, CultureInfo.InvariantCulture);
        int year = Part(1), month = Part(2), day = Part(3), hour = Part(4), minute = Part(5), second = Part(6);
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(year, 1), month) || year < 1
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        // Microseconds: the first six fraction digits, the rest truncated.
        var fraction = m.Groups[7].Value;
        var micros = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(6, '0').AsSpan(0, 6), CultureInfo.InvariantCulture);

        var offset = TimeSpan.Zero;
        if (!m.Groups[8].Success)
        {
            int oh = Part(10), om = Part(11);
            if (oh > 23 || om > 59)
            {
                return false;
            }

            offset = new TimeSpan(oh, om, 0);
            if (m.Groups[9].Value == "-")
            {
                offset = -offset;
            }
        }

        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(micros * 10);
        var ticks = local.Ticks - offset.Ticks;
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        utc = new DateTime(ticks, DateTimeKind.Utc);
        return true;
    }

    /// <summary>Formats a UTC time as RFC 3339 with <c>Z</c>, fractions only when present.</summary>
    public static string Format(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>Drops sub-microsecond ticks, as the warehouse does.</summary>
    public static DateTime TruncateToMicroseconds(DateTime utc) =>
        new(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);
}
