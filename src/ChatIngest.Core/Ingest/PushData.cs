using System.Text.Json.Serialization;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// A push envelope's <c>message.data</c>, decoded from base64 as the envelope is read (<see cref="PushDataConverter"/>).
/// The text is never made a string: that takes two bytes a character, ~27 MB for a 10 MB message, on top of the body
/// and the decoded bytes. Text that is not base64 is kept as it came (UTF-8), for its dead letter.
/// </summary>
[JsonConverter(typeof(PushDataConverter))]
public sealed class PushData
{
    private byte[]? pooled;

    internal PushData(byte[] buffer, int length, bool isBase64, bool isPooled)
    {
        Bytes = buffer.AsMemory(0, length);
        IsBase64 = isBase64;
        pooled = isPooled ? buffer : null;
    }

    /// <summary>True when the text was base64: <see cref="Bytes"/> is then what it decodes to, otherwise the text.</summary>
    public bool IsBase64 { get; }

    public ReadOnlyMemory<byte> Bytes { get; private set; }

    /// <summary>Data to send: <paramref name="bytes"/> as they are, written as base64.</summary>
    public static PushData FromBytes(byte[] bytes) => new(bytes, bytes.Length, isBase64: true, isPooled: false);

    /// <summary>Gives a pooled buffer back; <see cref="Bytes"/> is empty afterwards.</summary>
    public void Release()
    {
        Bytes = ReadOnlyMemory<byte>.Empty;
        if (pooled is { } buffer)
        {
            pooled = null;
            PushDecoder.GiveBack(buffer);
        }
    }
}
