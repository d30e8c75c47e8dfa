using System.Globalization;
using System.Text;

namespace ChatIngest.Tests.Support;

/// <summary>Random JSON literals for a number given as significant digits and a power of ten.</summary>
public static class JsonNumberForms
{
    /// <summary>digits × 10^exponent in one random JSON form.</summary>
    public static string Write(Random random, bool negative, string digits, int exponent)
    {
        // all = digits × 10^padRight, and int.frac = all × 10^-(its fraction's length): shift the exponent to match.
        var padLeft = random.Next(0, 4);
        var padRight = random.Next(0, 4);
        var all = new string('0', padLeft) + digits + new string('0', padRight);
        var shown = exponent - padRight;
        var point = random.Next(0, all.Length + 1); // digits after it become a fraction
        var integer = all[..point].TrimStart('0');
        var fraction = all[point..];
        shown += fraction.Length;
        var text = new StringBuilder(negative ? "-" : "");
        text.Append(integer.Length == 0 ? "0" : integer);
        if (fraction.Length > 0)
        {
            text.Append('.').Append(fraction);
        }

        if (shown != 0 || random.Next(3) == 0)
        {
            text.Append(random.Next(2) == 0 ? 'e' : 'E');
            text.Append(shown < 0 ? "-" : random.Next(2) == 0 ? "+" : "");
            text.Append(new string('0', random.Next(0, 3))).Append(Math.Abs(shown).ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    public static string RandomDigits(Random random, int count)
    {
        var digits = new StringBuilder(count);
        digits.Append((char)('1' + random.Next(9)));
        for (var i = 1; i < count; i++)
        {
            digits.Append((char)('0' + random.Next(10)));
        }

        return digits.ToString();
    }
}
