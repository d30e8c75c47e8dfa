using System.Buffers.Binary;
using System.IO.Hashing;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// Reading one journal frame (a length, a CRC-32 of the payload XOR the generation's salt, the payload) at an offset,
/// for <see cref="DuckDbJournal.ReadFrames"/>.
/// </summary>
internal static class JournalFrames
{
    private const int HeaderBytes = 8;

    /// <summary>The payload when a whole frame that checks with <paramref name="salt"/> is there, and its length field.</summary>
    public static (byte[]? Payload, int Length) At(FileStream file, long position, uint salt)
    {
        if (Read(file, position) is not var (length, check, payload))
        {
            return (null, position + HeaderBytes > file.Length ? -1 : Length(file, position));
        }

        return ((Crc32.HashToUInt32(payload) ^ salt) == check ? payload : null, length);
    }

    private static (int Length, uint Check, byte[] Payload)? Read(FileStream file, long position)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        file.Position = position;
        if (file.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length <= 0 || position + HeaderBytes + length > file.Length)
        {
            return null;
        }

        var payload = new byte[length];
        return file.ReadAtLeast(payload, length, throwOnEndOfStream: false) < length
            ? null
            : (length, BinaryPrimitives.ReadUInt32LittleEndian(header[4..]), payload);
    }

    private static int Length(FileStream file, long position)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        file.Position = position;
        return file.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes ? -1 : BinaryPrimitives.ReadInt32LittleEndian(header);
    }
}
