using System.Text.Json.Serialization;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// A push envelope's <c>message.data</c>, decoded from base64 as the envelope is read (<see cref="PushDataConverter"/>).
/// The text is never made a string: that takes two bytes a character, ~27 MB for a 10 MB message, on top of the body
/// and the decoded bytes. Text that is not base64 is kept as it came (UTF-8), for its dead letter. Decoded bytes up to
/// <see cref="PushDecoder.PooledBytes"/> are in a pooled buffer, given back by <see cref="Release"/>; an envelope that
/// fails to parse after its data was read leaves its buffer to the GC instead, which costs the pool one buffer.
/// </summary>
[JsonConverter(typeof(PushDataConverter))]
public sealed class PushData
{
    private readonly byte[] buffer;
    private readonly int length;
    private bool borrowed;
    private bool released;

    private PushData(byte[] buffer, int length, bool isBase64, bool isBorrowed)
    {
        this.buffer = buffer;
        this.length = length;
        IsBase64 = isBase64;
        borrowed = isBorrowed;
    }

    /// <summary>True when the text was base64: <see cref="Bytes"/> is then what it decodes to, otherwise the text.</summary>
    public bool IsBase64 { get; }

    public ReadOnlyMemory<byte> Bytes => released ? ReadOnlyMemory<byte>.Empty : buffer.AsMemory(0, length);

    /// <summary>The text as it came (UTF-8), when it is not base64: an array of its own, for a dead letter to keep.</summary>
    public byte[] Text => IsBase64 ? throw new InvalidOperationException("The data is base64: its text was not kept.") : buffer;

    /// <summary>Data to send: <paramref name="bytes"/> as they are, written as base64.</summary>
    public static PushData FromBytes(byte[] bytes) => new(bytes, bytes.Length, isBase64: true, isBorrowed: false);

    /// <summary>Bytes in a buffer from <see cref="PushDecoder.Borrow"/>, which <see cref="Release"/> gives back.</summary>
    internal static PushData Decoded(byte[] buffer, int length) => new(buffer, length, isBase64: true, isBorrowed: true);

    internal static PushData NotBase64(ReadOnlySpan<byte> text) => new(text.ToArray(), text.Length, isBase64: false, isBorrowed: false);

    /// <summary>Gives a borrowed buffer back (the pool keeps it or not); <see cref="Bytes"/> is empty afterwards.</summary>
    public void Release()
    {
        released = true;
        if (borrowed)
        {
            borrowed = false;
            PushDecoder.GiveBack(buffer);
        }
    }
}
