using System.Buffers.Binary;
using System.IO.Hashing;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// Reading one journal frame (a length, a CRC-32 of the payload XOR the generation's salt, the payload) at an offset,
/// for <see cref="DuckDbJournal.ReadFrames"/>.
/// </summary>
internal static class JournalFrames
{
    public const int HeaderBytes = 8;

    /// <summary>
    /// The payload when a whole frame that checks with <paramref name="salt"/> is there, else null; and the frame's
    /// length field (-1 when not even the header is there), which says where the next frame would start.
    /// </summary>
    public static (byte[]? Payload, int Length) At(FileStream file, long position, uint salt)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        file.Position = position;
        if (file.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes)
        {
            return (null, -1);
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length <= 0 || position + HeaderBytes + length > file.Length)
        {
            return (null, length);
        }

        var payload = new byte[length];
        var whole = file.ReadAtLeast(payload, length, throwOnEndOfStream: false) == length
            && (Crc32.HashToUInt32(payload) ^ salt) == BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        return (whole ? payload : null, length);
    }
}
