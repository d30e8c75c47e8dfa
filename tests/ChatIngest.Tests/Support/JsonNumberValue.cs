using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace ChatIngest.Tests.Support;

/// <summary>
/// A JSON number's exact value, worked out with integer arithmetic for the tests: the smallest integer
/// <see cref="Significand"/> (no factor of ten left in it) and <see cref="Exponent"/> with value = significand × 10^exponent.
/// Zero is (0, 0). Two literals are the same number exactly when their values are equal.
/// </summary>
public readonly partial record struct JsonNumberValue(BigInteger Significand, BigInteger Exponent)
{
    public static JsonNumberValue Parse(string literal)
    {
        var match = Grammar().Match(literal);
        Assert.True(match.Success, $"not a JSON number: {literal}");
        var fraction = match.Groups["fraction"].Value;
        var significand = BigInteger.Parse(match.Groups["integer"].Value + fraction, CultureInfo.InvariantCulture);
        var exponent = (match.Groups["exponent"].Success ? BigInteger.Parse(match.Groups["exponent"].Value, CultureInfo.InvariantCulture) : 0) - fraction.Length;
        if (significand.IsZero)
        {
            return new JsonNumberValue(0, 0);
        }

        while (BigInteger.Remainder(significand, 10).IsZero)
        {
            significand /= 10;
            exponent += 1;
        }

        return new JsonNumberValue(match.Groups["minus"].Success ? -significand : significand, exponent);
    }

    /// <summary>The value when it is whole, or null when it has a fraction (for exponents that fit an <c>int</c>).</summary>
    public BigInteger? WholeValue => Exponent < 0 ? null : Significand * BigInteger.Pow(10, checked((int)Exponent));

    [GeneratedRegex(@"^(?<minus>-)?(?<integer>0|[1-9][0-9]*)(?:\.(?<fraction>[0-9]+))?(?:[eE](?<exponent>[+-]?[0-9]+))?$")]
    private static partial Regex Grammar();
}
