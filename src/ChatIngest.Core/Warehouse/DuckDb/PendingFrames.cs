using System.Buffers.Binary;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// Journal payloads waiting for the loader, back to back in one reused buffer. Rows wait here as bytes, not as
/// records: bytes hold no references, so rows waiting a load interval cost the GC nothing, where a record per row
/// lived long enough to be promoted and copied twice (docs/performance.md).
/// </summary>
internal sealed class PendingFrames
{
    private const int InitialBytes = 64 * 1024;

    /// <summary>A buffer that grew past this and is mostly unused at a clear is given back (after a replay, say).</summary>
    private const int RetainedBytes = 8 * 1024 * 1024;

    private byte[] buffer = [];

    /// <summary>Journal entries held.</summary>
    public int Rows { get; private set; }

    private int length;

    /// <summary>The bytes of the payloads held.</summary>
    public int Bytes => length;

    /// <summary>The payloads, for <see cref="JournalRows"/>.</summary>
    public Span<byte> Payloads => buffer.AsSpan(0, length);


    public void Clear()
    {
        if (buffer.Length > RetainedBytes && length < buffer.Length / 4)
        {
            buffer = [];
        }

        length = 0;
        Rows = 0;
    }

    /// <summary>Copies one payload written by <see cref="JournalCodec.Write"/> (its first four bytes are its entry count).</summary>
    public void Add(ReadOnlySpan<byte> payload)
    {
        if (buffer.Length - length < payload.Length)
        {
            // Doubling, while that stays small; past it, a quarter more than is needed: doubling for a large message's
            // frame (up to 10 MB) made one 36 MB buffer of two frames, and its next growth a 72 MB one.
            var needed = length + payload.Length;
            var grown = new byte[Math.Max(needed, buffer.Length * 2 <= RetainedBytes ? Math.Max(InitialBytes, buffer.Length * 2) : needed + (needed / 4))];
            Payloads.CopyTo(grown);
            buffer = grown;
        }

        payload.CopyTo(buffer.AsSpan(length));
        length += payload.Length;
        Rows += BinaryPrimitives.ReadInt32LittleEndian(payload);
    }
}
