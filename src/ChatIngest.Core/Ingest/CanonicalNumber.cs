using System.Buffers.Text;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// One text per numeric value for the content key (VIEW.md: equal JSON objects are one message), so that <c>1</c>,
/// <c>1.0</c>, <c>1e0</c> and <c>10E-1</c> are one value, exactly: no rounding to a double, which would make distinct
/// 64-bit ids equal. The value is kept as its significant digits and a power of ten, and written plainly (<c>100</c>,
/// <c>1.5</c>, <c>0.001</c>, <c>-7</c>, <c>0</c>) when that takes at most <see cref="MaxPlainLength"/> characters
/// besides the sign, else as <c>d.ddde±x</c>. A literal already written plainly without trailing zeros, as integers
/// and nearly all decimals are, comes out as it went in; that keeps the keys stored before this form existed.
/// </summary>
internal static class CanonicalNumber
{
    public const int MaxPlainLength = 64;

    /// <summary>
    /// The most digits an exponent may have for its number to be compared by value. Reading an exponent costs time
    /// that grows with the square of its digits (24 s for 14 million); a number whose exponent has more keeps its
    /// text, as every number did before this form existed.
    /// </summary>
    public const int MaxExponentDigits = 1_000;

    /// <summary>Whether a JSON number literal is already its canonical text: an integer that is not <c>-0</c>.</summary>
    public static bool IsCanonicalInteger(ReadOnlySpan<byte> literal) =>
        literal.Length - (literal[0] == '-' ? 1 : 0) <= MaxPlainLength
        && literal.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0
        && !(literal is [(byte)'-', (byte)'0']);

    /// <summary>
    /// The value of a valid JSON number literal as a 64-bit integer, however it is written (<c>7</c>, <c>7.0</c>,
    /// <c>7e0</c>, <c>700E-2</c>); false when the value has a fraction or is out of range. JSON has one number type,
    /// so a tool that writes every number as a float (pandas does, in a column with a gap) still sends integers.
    /// </summary>
    public static bool TryGetInt64(ReadOnlySpan<byte> literal, out long value)
    {
        var canonical = Format(literal);
        return Utf8Parser.TryParse(canonical, out value, out var consumed) && consumed == canonical.Length;
    }

    /// <summary>The canonical text of a valid JSON number literal (RFC 8259's grammar, as the reader checked it).</summary>
    public static byte[] Format(ReadOnlySpan<byte> literal)
    {
        var negative = literal[0] == '-';
        var rest = negative ? literal[1..] : literal;
        var exponentAt = rest.IndexOfAny((byte)'e', (byte)'E');
        var mantissa = exponentAt < 0 ? rest : rest[..exponentAt];
        var exponentText = exponentAt < 0 ? [] : rest[(exponentAt + 1)..];
        if (exponentText.TrimStart("+-"u8).TrimStart((byte)'0').Length > MaxExponentDigits)
        {
            return literal.ToArray();
        }

        var exponent = exponentAt < 0 ? BigInteger.Zero : ParseExponent(exponentText);

        var point = mantissa.IndexOf((byte)'.');
        var digits = new StringBuilder(mantissa.Length);
        foreach (var b in mantissa)
        {
            if (b != '.')
            {
                digits.Append((char)b);
            }
        }

        if (point >= 0)
        {
            exponent -= mantissa.Length - point - 1;
        }

        // The value is digits × 10^exponent; keep only its significant digits.
        var text = digits.ToString().TrimStart('0');
        var significant = text.TrimEnd('0');
        if (significant.Length == 0)
        {
            return "0"u8.ToArray();
        }

        exponent += text.Length - significant.Length;
        var written = Write(significant, exponent);
        return Encoding.ASCII.GetBytes(negative ? "-" + written : written);
    }

    private static string Write(string significant, BigInteger exponent)
    {
        var count = significant.Length;
        if (exponent >= 0 && count + exponent <= MaxPlainLength)
        {
            return significant + new string('0', (int)exponent);
        }

        // Digits before the point, when the point falls inside the significant digits or before them.
        var beforePoint = count + exponent;
        if (exponent < 0 && beforePoint > 0 && count + 1 <= MaxPlainLength)
        {
            return significant.Insert((int)beforePoint, ".");
        }

        if (exponent < 0 && 2 - beforePoint + count <= MaxPlainLength)
        {
            return "0." + new string('0', (int)-beforePoint) + significant;
        }

        var scientific = count == 1 ? significant : significant[..1] + "." + significant[1..];
        return scientific + "e" + (beforePoint - 1).ToString(CultureInfo.InvariantCulture);
    }

    private static BigInteger ParseExponent(ReadOnlySpan<byte> text)
    {
        var negative = text[0] == '-';
        var digits = text[0] is (byte)'-' or (byte)'+' ? text[1..] : text;
        var value = BigInteger.Parse(Encoding.ASCII.GetString(digits), CultureInfo.InvariantCulture);
        return negative ? -value : value;
    }
}
