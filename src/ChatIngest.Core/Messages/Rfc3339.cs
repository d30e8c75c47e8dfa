using System.Globalization;

namespace ChatIngest.Core.Messages;

/// <summary>
/// Strict RFC 3339 timestamps: a zone (<c>Z</c> or <c>±hh:mm</c>) is required, fractions of any length are allowed,
/// and a leap second (second 60 of 23:59 UTC, in any zone) is the last microsecond of its minute, as a .NET time has no second 60. The
/// result is UTC, truncated to whole microseconds because that is what DuckDB and BigQuery TIMESTAMPs hold.
/// </summary>
public static class Rfc3339
{
    /// <summary>Longest text taken: 20 characters and a zone, and a fraction of up to ~100 digits.</summary>
    private const int MaxLength = 128;

    /// <summary>
    /// Parses <c>yyyy-MM-dd(T|t| )HH:mm:ss[.fraction](Z|z|±hh:mm)</c> with ASCII digits only: by hand, because it runs
    /// twice per push and a regex match allocated about 1 KB each time (docs/performance.md).
    /// </summary>
    public static bool TryParseUtc(string? text, out DateTime utc) => TryParse(text, roundUp: false, out utc);

    /// <summary>
    /// As <see cref="TryParseUtc"/>, but a time between two microseconds is the later one: for a bound compared with
    /// stored times, which are whole microseconds, so that <c>&gt;= x</c> and <c>&lt; x</c> keep their meaning.
    /// </summary>
    public static bool TryParseUtcRoundingUp(string? text, out DateTime utc) => TryParse(text, roundUp: true, out utc);

    private static bool TryParse(string? text, bool roundUp, out DateTime utc)
    {
        utc = default;
        if (text is null || text.Length is < 20 or > MaxLength)
        {
            return false;
        }

        var s = text.AsSpan();
        if (!Digits(s, 0, 4, out var year) || s[4] != '-' || !Digits(s, 5, 2, out var month) || s[7] != '-'
            || !Digits(s, 8, 2, out var day) || s[10] is not ('T' or 't' or ' ')
            || !Digits(s, 11, 2, out var hour) || s[13] != ':' || !Digits(s, 14, 2, out var minute) || s[16] != ':'
            || !Digits(s, 17, 2, out var second))
        {
            return false;
        }

        // Microseconds: the first six fraction digits, the rest truncated (or rounded up, when asked and not all zeros).
        var i = 19;
        long micros = 0;
        if (s[i] == '.')
        {
            var start = ++i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == start)
            {
                return false;
            }

            for (var k = 0; k < 6; k++)
            {
                micros = (micros * 10) + (start + k < i ? s[start + k] - '0' : 0);
            }

            if (roundUp && i - start > 6 && s[(start + 6)..i].ContainsAnyExcept('0'))
            {
                micros++;
            }
        }

        var offset = TimeSpan.Zero;
        if (i < s.Length && s[i] is 'Z' or 'z' && i + 1 == s.Length)
        {
            // UTC
        }
        else if (i + 6 == s.Length && s[i] is '+' or '-' && Digits(s, i + 1, 2, out var oh) && s[i + 3] == ':' && Digits(s, i + 4, 2, out var om))
        {
            if (oh > 23 || om > 59)
            {
                return false;
            }

            offset = s[i] == '-' ? -new TimeSpan(oh, om, 0) : new TimeSpan(oh, om, 0);
        }
        else
        {
            return false;
        }

        if (month is < 1 or > 12 || day < 1 || year < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }

        var leapSecond = second == 60;
        if (leapSecond)
        {
            (second, micros) = (59, 999_999);
        }

        // In ticks, not DateTime.AddTicks: a fraction rounded up at 9999-12-31T23:59:59 passes DateTime's end.
        var ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).Ticks + (micros * 10) - offset.Ticks;
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        // A leap second only ends a UTC day, in whatever zone it is written: 05:29:60+05:30 is one, 10:59:60Z is not.
        if (leapSecond && ticks % TimeSpan.TicksPerDay < TimeSpan.TicksPerDay - TimeSpan.TicksPerMinute)
        {
            return false;
        }

        utc = new DateTime(ticks, DateTimeKind.Utc);
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> s, int start, int count, out int value)
    {
        value = 0;
        if (start + count > s.Length)
        {
            return false;
        }

        foreach (var c in s.Slice(start, count))
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }

    public static string Format(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>Drops sub-microsecond ticks, as the warehouse does.</summary>
    public static DateTime TruncateToMicroseconds(DateTime utc) =>
        new(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);
}
