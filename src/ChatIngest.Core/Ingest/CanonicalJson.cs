using System.Buffers;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// The content key of a JSON object (VIEW.md "Duplicates"): equal objects — all keys and values, in any key order and
/// whitespace — get the same key. It is the first 128 bits of SHA-256 over a canonical form with keys sorted
/// ordinally, strings re-escaped one way, and integers written one way.
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
    private static Stack<List<(string Name, JsonElement Value)>>? spareLists;

    // Each JsonProperty.Name call allocates a new string, so an object's names are read once, then sorted.
    private static readonly Comparison<(string Name, JsonElement Value)> ByName =
        static (a, b) => string.CompareOrdinal(a.Name, b.Name);

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
                var spare = spareLists ??= new Stack<List<(string Name, JsonElement Value)>>();
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
                writer.WriteStringValue(element.GetString());
                return null;
            case JsonValueKind.Number when element.TryGetInt64(out var integer):
                writer.WriteNumberValue(integer);
                return null;
            default:
                // Other numbers, true, false, null: their text is already canonical enough.
                writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                return null;
        }
    }

    private static string? WriteObject(Utf8JsonWriter writer, JsonElement element, List<(string Name, JsonElement Value)> properties)
    {
        foreach (var p in element.EnumerateObject())
        {
            properties.Add((p.Name, p.Value));
        }

        properties.Sort(ByName);
        writer.WriteStartObject();
        for (var i = 0; i < properties.Count; i++)
        {
            if (i > 0 && properties[i].Name == properties[i - 1].Name)
            {
                return properties[i].Name;
            }

            writer.WritePropertyName(properties[i].Name);
            if (Write(writer, properties[i].Value) is { } repeated)
            {
                return repeated;
            }
        }

        writer.WriteEndObject();
        return null;
    }
}
