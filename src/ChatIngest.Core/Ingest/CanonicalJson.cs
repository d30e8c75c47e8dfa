using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// The content key of a JSON object (VIEW.md "Duplicates"): equal objects — all keys and values, in any key order and
/// whitespace — get the same key. It is the first 128 bits of SHA-256 over a canonical form with keys sorted
/// ordinally, strings re-escaped one way, and numbers written one way per value (<see cref="CanonicalNumber"/>).
/// <para>
/// Names and strings that are printable ASCII without escapes (nearly all of them) are sorted and written from the
/// document's own UTF-8 bytes: for them the bytes sort as the strings do, and the writer escapes them as it would
/// the strings. Others are read as strings first. Either way the canonical form is the same.
/// </para>
/// </summary>
internal static class CanonicalJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private const int MaxRetainedBytes = 64 * 1024;

    // Per thread and reused: the key is computed once per message, on the request's thread.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? cachedWriter;

    [ThreadStatic]
    private static Stack<List<JsonProperty>>? spareLists;

    /// <summary>Bytes that stand for themselves in a JSON string and sort as their UTF-16 code units do.</summary>
    private static readonly SearchValues<byte> PlainBytes = SearchValues.Create(
        [.. Enumerable.Range(0x20, 0x7F - 0x20).Where(b => b != '\\').Select(b => (byte)b)]);

    // Plain names sort as their bytes; an object with any other name is sorted by its names as strings.
    private static readonly Comparison<JsonProperty> ByPlainName = static (a, b) =>
        JsonMarshal.GetRawUtf8PropertyName(a).SequenceCompareTo(JsonMarshal.GetRawUtf8PropertyName(b));

    private static readonly Comparison<JsonProperty> ByName = static (a, b) => string.CompareOrdinal(a.Name, b.Name);

    /// <summary>Computes the key, or returns false with the name of a key that repeats inside one object.</summary>
    public static bool TryComputeKey(JsonElement root, out string key, out string? duplicateKey)
    {
        var output = buffer ??= new ArrayBufferWriter<byte>(1024);
        output.ResetWrittenCount();
        var writer = cachedWriter ??= new Utf8JsonWriter(output, WriterOptions);
        writer.Reset(output);
        duplicateKey = Write(writer, root);
        writer.Flush();

        key = string.Empty;
        if (duplicateKey is null)
        {
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(output.WrittenSpan, hash);
            key = Convert.ToHexStringLower(hash[..16]);
        }

        if (output.Capacity > MaxRetainedBytes)
        {
            // A rare large message: do not let every pool thread keep a buffer its size for good.
            buffer = null;
            cachedWriter = null;
        }

        return duplicateKey is null;
    }

    private static string? Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var spare = spareLists ??= new Stack<List<JsonProperty>>();
                var properties = spare.Count > 0 ? spare.Pop() : [];
                try
                {
                    return WriteObject(writer, element, properties);
                }
                finally
                {
                    properties.Clear();
                    spare.Push(properties);
                }

            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    if (Write(writer, item) is { } repeated)
                    {
                        return repeated;
                    }
                }

                writer.WriteEndArray();
                return null;
            case JsonValueKind.String:
                var raw = JsonMarshal.GetRawUtf8Value(element)[1..^1]; // without its quotes
                if (IsPlain(raw))
                {
                    writer.WriteStringValue(raw);
                }
                else
                {
                    writer.WriteStringValue(element.GetString());
                }

                return null;
            case JsonValueKind.Number:
                // Nearly every number is an integer whose text is already canonical (JSON has no leading zeros or
                // plus sign); others are written as their value's one text: 1.0 and 1e0 are 1, -0 is 0.
                var literal = JsonMarshal.GetRawUtf8Value(element);
                writer.WriteRawValue(CanonicalNumber.IsCanonicalInteger(literal) ? literal : CanonicalNumber.Format(literal), skipInputValidation: true);
                return null;
            default:
                // true, false, null: their text is canonical.
                writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(element), skipInputValidation: true);
                return null;
        }
    }

    private static bool IsPlain(ReadOnlySpan<byte> utf8) => !utf8.ContainsAnyExcept(PlainBytes);

    private static string? WriteObject(Utf8JsonWriter writer, JsonElement element, List<JsonProperty> properties)
    {
        var plain = true;
        foreach (var p in element.EnumerateObject())
        {
            properties.Add(p);
            plain = plain && IsPlain(JsonMarshal.GetRawUtf8PropertyName(p));
        }

        var byName = plain ? ByPlainName : ByName;
        properties.Sort(byName);
        for (var i = 1; i < properties.Count; i++)
        {
            if (byName(properties[i], properties[i - 1]) == 0)
            {
                return properties[i].Name; // before any value is read: the outermost repeated name is the one reported
            }
        }

        writer.WriteStartObject();
        for (var i = 0; i < properties.Count; i++)
        {
            if (plain)
            {
                writer.WritePropertyName(JsonMarshal.GetRawUtf8PropertyName(properties[i]));
            }
            else
            {
                writer.WritePropertyName(properties[i].Name);
            }

            if (Write(writer, properties[i].Value) is { } repeated)
            {
                return repeated;
            }
        }

        writer.WriteEndObject();
        return null;
    }
}
