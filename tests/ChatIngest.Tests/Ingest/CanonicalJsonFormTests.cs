using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ChatIngest.Core.Ingest;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Ingest;

/// <summary>
/// The content key is SHA-256 over one canonical form of a JSON object: names sorted by UTF-16 ordinal, strings
/// written as the relaxed encoder writes them, integers as the Int64 they parse to, other numbers as their exact
/// value (<see cref="JsonNumberValue"/>: plainly up to 64 characters besides the sign, else as <c>d.ddde±x</c>;
/// with an exponent of more than 1,000 digits, as they came), other values as they came. The
/// key reads plain ASCII names and strings straight from the document's bytes; these tests restate the definition
/// with strings only (<c>JsonProperty.Name</c>, <c>GetString</c>) and hold the key to it on generated objects whose
/// names and strings mix plain ASCII with escapes of the same characters, non-ASCII text, surrogate pairs (which sort
/// differently as UTF-8 bytes) and characters the encoder escapes, and whose numbers include -0, exponents and
/// integers too large for Int64, and one value written in several ways. Keys already stored depend on this form
/// staying as it was: every integer, and every other number written plainly without a trailing zero, keeps its text. A name repeated
/// inside one object makes it no key at all (a dead letter naming it); the outermost repeated name is the one named.
/// </summary>
public sealed class CanonicalJsonFormTests
{
    private static readonly string[] Names =
    [
        "a", "b", "A", "orderId", "cityCode", "a b", "~", "é", "\\u0061", "\\u00e9", "\\u0062", "\uE000", "\\uD834\\uDD1E",
        "𝄞", "\\n", "tab\\there", "quote\\\"d", "slash\\/", "<tag>", "+",
    ];

    private static readonly string[] Strings =
    [
        "", "IST", "Courier Android", "2024-02-01T10:00:00Z", "\\u0049ST", "caf\\u00e9", "café", "𝄞", "\\uD834\\uDD1E",
        "line\\nbreak", "\\\"quoted\\\"", "back\\\\slash", "<b>&amp;</b>", "\\u2028", "\u2028", "\\u001f", "\uE000x",
    ];

    private static readonly string[] Numbers =
    [
        "0", "-0", "7", "-12", "1e2", "1E+2", "1.50", "-0.0", "123456789012345678901234567890", "9223372036854775807",
        "-9223372036854775808", "9223372036854775808", "1.0", "1e0", "10E-1", "0.5", "5e-1", "0.001", "1e-3", "-2.50",
        "123.456000", "1e-70", "1.5e100", "15E99", "1e63", "1e64", "0e-999999999999999999999", "-0.000",
        "1" + new string('0', 63), "1" + new string('0', 64), "-" + new string('9', 70), "0." + new string('0', 61) + "1",
        "0." + new string('0', 62) + "1", "1e999999999999999999999", "1e1" + new string('0', 1_000), "1.0E+1" + new string('0', 1_000),
        "10e" + new string('9', 1_000), "1.50e-" + new string('0', 5) + new string('9', 1_000),
    ];

    [Fact]
    public void KeyOfEveryGeneratedObjectIsTheSha256OfItsCanonicalForm()
    {
        var random = new Random(20241124);
        var duplicates = 0;
        for (var i = 0; i < 5_000; i++)
        {
            var json = RandomObject(random, depth: 0);
            using var document = JsonDocument.Parse(json);

            var expectedDuplicate = Canonical(document.RootElement, out var expectedKey);
            var computed = CanonicalJson.TryComputeKey(document.RootElement, out var key, out var duplicate);

            Assert.True(computed == (expectedDuplicate is null), json);
            Assert.True(expectedDuplicate == duplicate, $"{json}: {expectedDuplicate} != {duplicate}");
            if (computed)
            {
                Assert.True(expectedKey == key, json);
            }
            else
            {
                duplicates++;
            }
        }

        Assert.InRange(duplicates, 100, 4_000); // both outcomes were exercised
    }

    /// <summary>The definition, with strings only: returns a repeated name, or null and the key.</summary>
    private static string? Canonical(JsonElement root, out string key)
    {
        var output = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
        var repeated = Write(writer, root);
        writer.Flush();
        key = Convert.ToHexStringLower(SHA256.HashData(output.WrittenSpan).AsSpan(0, 16));
        return repeated;
    }

    private static string? Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = element.EnumerateObject().Select(p => (p.Name, p.Value)).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
                if (properties.Zip(properties.Skip(1)).FirstOrDefault(pair => pair.First.Name == pair.Second.Name) is { First.Name: { } repeated })
                {
                    return repeated; // a repeated name is reported before anything inside the object's values
                }

                writer.WriteStartObject();
                for (var i = 0; i < properties.Count; i++)
                {
                    writer.WritePropertyName(properties[i].Name);
                    if (Write(writer, properties[i].Value) is { } inner)
                    {
                        return inner;
                    }
                }

                writer.WriteEndObject();
                return null;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    if (Write(writer, item) is { } inner)
                    {
                        return inner;
                    }
                }

                writer.WriteEndArray();
                return null;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                return null;
            case JsonValueKind.Number when element.TryGetInt64(out var integer):
                writer.WriteNumberValue(integer);
                return null;
            case JsonValueKind.Number when ExponentDigits(element.GetRawText()) > 1_000:
                writer.WriteRawValue(element.GetRawText(), skipInputValidation: true); // too long to read: its text
                return null;
            case JsonValueKind.Number:
                writer.WriteRawValue(NumberText(JsonNumberValue.Parse(element.GetRawText())), skipInputValidation: true);
                return null;
            default:
                writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                return null;
        }
    }

    private static int ExponentDigits(string literal) =>
        literal.IndexOfAny(['e', 'E']) is var at and >= 0 ? literal[(at + 1)..].TrimStart('+', '-').TrimStart('0').Length : 0;

    /// <summary>A number's value written plainly when that takes at most 64 characters besides the sign, else as d.ddde±x.</summary>
    private static string NumberText(JsonNumberValue value)
    {
        if (value.Significand.IsZero)
        {
            return "0";
        }

        var digits = BigInteger.Abs(value.Significand).ToString(CultureInfo.InvariantCulture);
        var sign = value.Significand.Sign < 0 ? "-" : "";
        var beforePoint = digits.Length + value.Exponent;
        var plain = value.Exponent >= 0 ? digits + new string('0', (int)BigInteger.Min(value.Exponent, 65))
            : beforePoint > 0 ? digits.Insert((int)beforePoint, ".")
            : "0." + new string('0', (int)BigInteger.Min(-beforePoint, 65)) + digits;
        return plain.Length <= 64 ? sign + plain
            : sign + digits[..1] + (digits.Length > 1 ? "." + digits[1..] : "") + "e" + (beforePoint - 1).ToString(CultureInfo.InvariantCulture);
    }

    private static string RandomObject(Random random, int depth)
    {
        var json = new StringBuilder("{");
        var count = random.Next(0, 7);
        for (var i = 0; i < count; i++)
        {
            json.Append(i > 0 ? "," : "").Append(random.Next(3) == 0 ? " " : "");
            json.Append('"').Append(Names[random.Next(Names.Length)]).Append("\":").Append(RandomValue(random, depth));
        }

        return json.Append('}').ToString();
    }

    private static string RandomValue(Random random, int depth) => random.Next(depth < 2 ? 9 : 7) switch
    {
        0 or 1 or 2 => $"\"{Strings[random.Next(Strings.Length)]}\"",
        3 or 4 => Numbers[random.Next(Numbers.Length)],
        5 => random.Next(3) switch { 0 => "true", 1 => "false", _ => "null" },
        6 => "[]",
        7 => RandomObject(random, depth + 1),
        _ => $"[{RandomValue(random, depth + 1)},{RandomValue(random, depth + 1)}]",
    };
}
