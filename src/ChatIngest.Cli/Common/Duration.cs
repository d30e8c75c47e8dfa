using System.CommandLine.Parsing;
using System.Globalization;

namespace ChatIngest.Cli.Common;

/// <summary>Durations as people type them on a command line: <c>250ms</c>, <c>10s</c>, <c>2m</c>, <c>1h</c>.</summary>
internal static class Duration
{
    /// <summary>A duration from <paramref name="min"/> to <paramref name="max"/>; anything else is a usage error naming the range.</summary>
    public static TimeSpan Parse(ArgumentResult result, string name, TimeSpan min, TimeSpan max)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (!TryParse(text, out var value))
        {
            result.AddError($"{name} '{text}' is not a duration: use a number with ms, s, m or h, e.g. 500ms or 10s.");
        }
        else if (value < min || value > max)
        {
            result.AddError($"{name} must be from {Format(min)} to {Format(max)}, not {text}.");
        }

        return value;
    }

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (text == "0")
        {
            return true; // zero needs no unit
        }

        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 1.0)
            : text.EndsWith('s') ? (text[..^1], 1_000.0)
            : text.EndsWith('m') ? (text[..^1], 60_000.0)
            : text.EndsWith('h') ? (text[..^1], 3_600_000.0)
            : (text, double.NaN);
        // double.TryParse also takes "NaN" and "Infinity", whatever the styles: a NaN passed the range check.
        if (double.IsNaN(unit) || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            || !double.IsFinite(amount) || amount * unit >= TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(amount * unit);
        return true;
    }

    public static string Format(TimeSpan value) =>
        value.TotalSeconds < 1 ? $"{value.TotalMilliseconds:0.###}ms"
        : value.TotalHours >= 1 && value.Ticks % TimeSpan.TicksPerHour == 0 ? $"{value.TotalHours:0}h"
        : value.TotalMinutes >= 10 && value.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{value.TotalMinutes:0}m"
        : $"{value.TotalSeconds:0.###}s";
}
