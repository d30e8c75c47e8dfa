using System.Buffers;
using System.Buffers.Text;
using System.Text.Unicode;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// Reads <c>message.data</c> straight from the envelope's UTF-8 into its decoded bytes (<see cref="PushData"/>), with
/// what <see cref="Convert.TryFromBase64String(string, Span{byte}, out int)"/> accepts (padding required, white space
/// ignored). Escaped text (a JSON writer may send <c>\/</c> for <c>/</c>) or text split across the body's pieces is
/// unescaped into one piece first.
/// </summary>
public sealed class PushDataConverter : JsonConverter<PushData>
{
    /// <summary>What base64 text may hold: its alphabet, padding, and the white space Convert skips.</summary>
    private static readonly SearchValues<byte> Base64Text =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t\r\n"u8);

    public override PushData Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("message.data is not a string.");
        }

        if (!reader.HasValueSequence && !reader.ValueIsEscaped)
        {
            return Decode(reader.ValueSpan);
        }

        var length = checked((int)(reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length));
        var text = PushDecoder.Borrow(length); // unescaped text is never longer than it was escaped
        try
        {
            return Decode(text.AsSpan(0, reader.CopyString(text)));
        }
        finally
        {
            PushDecoder.GiveBack(text);
        }
    }

    public override void Write(Utf8JsonWriter writer, PushData value, JsonSerializerOptions options)
    {
        if (value.IsBase64)
        {
            writer.WriteBase64StringValue(value.Bytes.Span);
        }
        else
        {
            writer.WriteStringValue(value.Bytes.Span);
        }
    }

    private static PushData Decode(ReadOnlySpan<byte> text)
    {
        // Pooled when small: the classifier copies what a record keeps, and the decoder gives the buffer back. Text with
        // a byte base64 never holds is refused without asking Convert (and without its UTF-16 copy): Convert would too.
        var decoded = PushDecoder.Borrow(Math.Max(1, Base64.GetMaxDecodedFromUtf8Length(text.Length)));
        if (Base64.DecodeFromUtf8(text, decoded, out _, out var written) == OperationStatus.Done
            || (text.IndexOfAnyExcept(Base64Text) < 0 && ConvertTakes(text, decoded, out written)))
        {
            return PushData.Decoded(decoded, written);
        }

        PushDecoder.GiveBack(decoded);
        return NotBase64(text);
    }

    private static PushData NotBase64(ReadOnlySpan<byte> text) =>
        // The reader checks a string's UTF-8 only when it unescapes one (CopyString, GetString), which it does here for
        // escaped text or text in pieces: text read as it lies must pass the same check, or the same envelope would
        // be a dead letter or unreadable depending on how its body arrived. As a string, it was always unreadable.
        Utf8.IsValid(text) ? PushData.NotBase64(text) : throw new JsonException("message.data is not valid UTF-8.");

    /// <summary>
    /// Convert's answer for text the UTF-8 decoder refused. The two differ where the last character before the padding
    /// has bits left over that are not zero ("ls==" is base64 to Convert only; they agree on white space), and a dead
    /// letter's reason must not depend on which one read it. Rare, so it may cost.
    /// </summary>
    private static bool ConvertTakes(ReadOnlySpan<byte> text, Span<byte> decoded, out int written)
    {
        var chars = new char[Encoding.UTF8.GetMaxCharCount(text.Length)];
        return Convert.TryFromBase64Chars(chars.AsSpan(0, Encoding.UTF8.GetChars(text, chars)), decoded, out written);
    }
}
