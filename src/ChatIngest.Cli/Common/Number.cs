using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace ChatIngest.Cli.Common;

/// <summary>
/// Number options parsed and range-checked in one step. A validator would run even when the value did not parse,
/// and reading that value there throws; a parser reports both mistakes as one usage error.
/// </summary>
internal static class Number
{
    public static T Parse<T>(ArgumentResult result, string name, T min, T max)
        where T : INumber<T>
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (T.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        result.AddError($"{name} must be a number from {Format(min)} to {Format(max)}, not '{text}'.");
        return min;
    }

    private static string Format<T>(T value)
        where T : INumber<T> => value.ToString("#,0.###", CultureInfo.InvariantCulture);
}
