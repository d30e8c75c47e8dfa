using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// The write-ahead journal in front of the DuckDB tables: what makes a group commit durable. A DuckDB transaction costs
/// about a millisecond of CPU however few rows it holds, so committing one per group of pushes bounded pushes per second;
/// appending the group to this file and syncing it costs a write and an fdatasync. <see cref="DuckDbLoader"/> then moves
/// the journaled rows into the tables in large transactions, each of which also records how far it got
/// (<c>ingest_journal</c>), so a crash at any point loads every journaled row exactly once on the next start.
/// <para>
/// Files: <c>{database}.journal.{generation}</c>, a 16-byte header (magic, generation), then frames of
/// <c>[int32 length][uint32 CRC-32][payload]</c>. A new segment is started at every open and once the current one
/// passes <see cref="SegmentBytes"/>; a segment is deleted once the tables hold all of it. A frame cut short by a crash
/// (its group was never acknowledged) ends the segment's replay and is cut off.
/// </para>
/// Not thread-safe for appends: the warehouse appends under its write lock.
/// </summary>
internal sealed partial class DuckDbJournal : IDisposable
{
    public const long SegmentBytes = 64L * 1024 * 1024;
    public const int HeaderBytes = 16;
    private const ulong Magic = 0x314C4E524A494843; // "CHIJRNL1" little-endian
    private const int FrameHeaderBytes = 8;

    private readonly string basePath;
    private FileStream? segment;

    private DuckDbJournal(string databasePath) => basePath = databasePath + ".journal.";

    /// <summary>The generation appended to now.</summary>
    public long Generation { get; private set; }

    /// <summary>The end of the last frame appended to <see cref="Generation"/>.</summary>
    public long Length { get; private set; }

    /// <summary>The journal's segments on disk, oldest first.</summary>
    public static IReadOnlyList<Segment> List(string databasePath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(databasePath))!;
        var prefix = Path.GetFileName(databasePath) + ".journal.";
        return [.. Directory.EnumerateFiles(directory, prefix + "*")
            .Select(f => (File: f, Suffix: Path.GetFileName(f)[prefix.Length..]))
            .Where(f => f.Suffix.Length > 0 && f.Suffix.All(char.IsAsciiDigit))
            .Select(f => new Segment(long.Parse(f.Suffix, CultureInfo.InvariantCulture), f.File))
            .OrderBy(s => s.Generation)];
    }

    /// <summary>Opens a new segment after <paramref name="lastGeneration"/> for appending.</summary>
    public static DuckDbJournal Create(string databasePath, long lastGeneration)
    {
        var journal = new DuckDbJournal(databasePath);
        journal.StartSegment(lastGeneration + 1);
        return journal;
    }

    /// <summary>
    /// The payloads of one segment's whole frames after <paramref name="offset"/>, with the offset each one ends at.
    /// A torn or corrupt frame ends the segment and is cut off: only the last write before a crash can be torn, and
    /// its group was never acknowledged.
    /// </summary>
    public static IEnumerable<(byte[] Payload, long End)> ReadFrames(Segment segment, long offset)
    {
        using var file = new FileStream(segment.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        var header = new byte[HeaderBytes];
        if (file.Length < HeaderBytes || file.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes
            || BinaryPrimitives.ReadUInt64LittleEndian(header) != Magic
            || BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(8)) != segment.Generation)
        {
            yield break; // a segment whose header never reached the disk held no acknowledged frame
        }

        var position = Math.Max(offset, HeaderBytes);
        file.Position = position;
        var frameHeader = new byte[FrameHeaderBytes];
        while (true)
        {
            var read = file.ReadAtLeast(frameHeader, FrameHeaderBytes, throwOnEndOfStream: false);
            if (read == 0)
            {
                yield break;
            }

            var length = read == FrameHeaderBytes ? BinaryPrimitives.ReadInt32LittleEndian(frameHeader) : -1;
            var payload = length > 0 && position + FrameHeaderBytes + length <= file.Length ? new byte[length] : null;
            if (payload is null || file.ReadAtLeast(payload, length, throwOnEndOfStream: false) < length
                || Crc32.HashToUInt32(payload) != BinaryPrimitives.ReadUInt32LittleEndian(frameHeader.AsSpan(4)))
            {
                file.SetLength(position);
                file.Flush(flushToDisk: true);
                yield break;
            }

            position += FrameHeaderBytes + length;
            yield return (payload, position);
        }
    }

    /// <summary>Appends one frame and syncs it to disk; returns where it ends. Starts a new segment first when due.</summary>
    public JournalPosition Append(ReadOnlySpan<byte> payload)
    {
        if (Length >= SegmentBytes)
        {
            StartSegment(Generation + 1);
        }

        var file = segment ?? throw new ObjectDisposedException(nameof(DuckDbJournal));
        Span<byte> header = stackalloc byte[FrameHeaderBytes];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.HashToUInt32(payload));
        try
        {
            file.Write(header);
            file.Write(payload);
            file.Flush(flushToDisk: true);
        }
        catch
        {
            // Leave no partial frame behind for the next append to follow; if even that fails, the next open cuts it.
            try
            {
                file.SetLength(Length);
                file.Position = Length;
            }
            catch (IOException)
            {
            }

            throw;
        }

        Length += FrameHeaderBytes + payload.Length;
        return new JournalPosition(Generation, Length);
    }

    /// <summary>Deletes the segments older than <paramref name="generation"/> (the tables hold all of them).</summary>
    public static void DeleteBefore(string databasePath, long generation)
    {
        foreach (var old in List(databasePath).Where(s => s.Generation < generation))
        {
            File.Delete(old.Path);
        }
    }

    public void Dispose()
    {
        segment?.Dispose();
        segment = null;
    }

    private void StartSegment(long generation)
    {
        var path = basePath + generation.ToString("D10", CultureInfo.InvariantCulture);
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
        Span<byte> header = stackalloc byte[HeaderBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], generation);
        file.Write(header);
        file.Flush(flushToDisk: true);
        SyncDirectory(Path.GetDirectoryName(path)!); // the new file's name must be as durable as its frames

        segment?.Dispose();
        segment = file;
        Generation = generation;
        Length = HeaderBytes;
    }

    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return;
        }

        _ = Fsync(fd);
        _ = Close(fd);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    internal readonly record struct Segment(long Generation, string Path);
}

/// <summary>A point in the journal: the end of a frame in a generation's segment.</summary>
internal readonly record struct JournalPosition(long Generation, long Offset);
