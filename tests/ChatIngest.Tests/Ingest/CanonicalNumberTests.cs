using System.Text;
using System.Text.Json;
using ChatIngest.Core.Ingest;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Ingest;

/// <summary>
/// VIEW.md: equal JSON objects are one message. A number is equal to another when their values are, however each is
/// written (a point, trailing zeros, an exponent in either case and sign); values that differ stay different, also
/// where a double could not tell them apart.
/// </summary>
public sealed class CanonicalNumberTests
{
    [Fact]
    public void OneValueWrittenInAnyOfItsFormsGetsOneKeyAndOtherValuesOthers()
    {
        var random = new Random(20261125);
        var keysByValue = new Dictionary<string, string>();
        for (var i = 0; i < 2_000; i++)
        {
            // A value: a sign, up to 40 significant digits and a power of ten, some far past a double's range.
            var digits = JsonNumberForms.RandomDigits(random, random.Next(1, 41)).TrimEnd('0');
            digits = digits.Length == 0 ? "0" : digits;
            var exponent = random.Next(4) == 0 ? random.Next(-400, 400) : random.Next(-12, 12);
            var negative = random.Next(2) == 0;
            var value = digits == "0" ? "0" : $"{(negative ? "-" : "")}{digits}e{exponent}";

            var written = JsonNumberForms.Write(random, negative && digits != "0", digits, exponent);
            var key = Key(written);
            if (keysByValue.TryGetValue(value, out var earlier))
            {
                Assert.True(earlier == key, $"{written} is {value} but got another key");
            }
            else
            {
                Assert.DoesNotContain(key, keysByValue.Values);
                keysByValue[value] = key;
            }

            Assert.Equal(key, Key(JsonNumberForms.Write(random, negative && digits != "0", digits, exponent))); // another form of it
        }

        Assert.InRange(keysByValue.Count, 1_000, 2_000);
    }

    [Theory]
    [InlineData("1", "1.0", "1e0", "10E-1", "0.1e+1", "1.000E+000")]
    [InlineData("0", "-0", "0.0", "-0e5", "0e-999999999999999999999", "-0.000E-7")]
    [InlineData("100", "1e2", "1E+2", "1000e-1", "100.00", "0.0001e6")]
    [InlineData("-2.5", "-25e-1", "-2.50", "-0.25E1", "-250E-2", "-2.5000e0")]
    [InlineData("1e999999999999999999999", "10e999999999999999999998", "0.1E1000000000000000000000", "1.0e999999999999999999999", "1e999999999999999999999", "1e999999999999999999999")]
    public void EqualValuesAreOneNumber(params string[] forms)
    {
        var keys = forms.Select(Key).Distinct().ToList();
        Assert.True(keys.Count == 1, string.Join(", ", forms));
    }

    [Theory]
    [InlineData("9007199254740993", "9007199254740992")] // 2^53 + 1 and 2^53: one double
    [InlineData("1.0000000000000000000001", "1")]
    [InlineData("1e999999999999999999999", "1e999999999999999999998")]
    [InlineData("-1", "1")]
    [InlineData("0.1", "0.10000000000000000555")] // the double nearest 0.1
    [InlineData("1e64", "1e65")]
    public void DifferentValuesAreDifferentNumbers(string first, string second) => Assert.NotEqual(Key(first), Key(second));

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.25")]
    [InlineData("0.001")]
    [InlineData("123456789012345678901234567890")]
    [InlineData("-42")]
    public void ANumberWrittenPlainlyKeepsTheKeyItHadWhenNumbersKeptTheirText(string plain)
    {
        // Before numbers were compared by value, a number other than -0 was written as it came.
        var asItCame = Encoding.UTF8.GetBytes($$"""{"n":{{plain}}}""");
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(asItCame).AsSpan(0, 16));
        Assert.Equal(expected, Key(plain));
    }

    [Fact]
    public void ANumberWhoseExponentHasOverAThousandDigitsIsComparedByItsText()
    {
        // Reading such an exponent would take time that grows with the square of its length.
        var thousand = new string('7', 1_000);
        Assert.Equal(Key("1e" + thousand), Key("1.0e+" + thousand));
        Assert.NotEqual(Key("1e7" + thousand), Key("1.0e+7" + thousand));
    }

    private static string Key(string number)
    {
        using var document = JsonDocument.Parse($$"""{"n":{{number}}}""");
        Assert.True(CanonicalJson.TryComputeKey(document.RootElement, out var key, out _));
        return key;
    }
}
