using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// The write-ahead journal in front of the DuckDB tables: what makes a group commit durable. A DuckDB transaction costs
/// about a millisecond of CPU however few rows it holds, so committing one per group of pushes bounded pushes per second;
/// appending the group to this file costs one synchronous write (<see cref="JournalDirectWriter"/>; where the file
/// system refuses direct writes, a buffered write and an fdatasync). <see cref="DuckDbLoader"/> then moves
/// the journaled rows into the tables in large transactions, each of which also records how far it got
/// (<c>ingest_journal</c>), so a crash at any point loads every journaled row exactly once on the next start.
/// <para>
/// Files: <c>{database}.journal.{generation}</c>, a 16-byte header (magic, generation), then frames of
/// <c>[int32 length][uint32 check][payload]</c>, the check being the payload's CRC-32 XOR the segment's salt, then
/// whatever the file held before: zeros, or a recycled segment's old frames, whose checks do not match the new salt.
/// The salt (format 3) is keyed by a secret of the database's own (<c>ingest_journal.frame_key</c>) and the
/// generation, so that bytes a publisher chose, kept in an old frame's payload (a dead letter's data), cannot be made
/// to pass as a frame of a later segment, as they could when the salt was the generation itself (format 2; format 1
/// had none). Segments of formats 1 and 2 are still read. A new segment is started at every open and once the current one
/// passes its size; a segment is released once the tables hold all of it. A frame cut short by a crash (its group was
/// never acknowledged) ends the segment's replay and is cut off with everything after it.
/// </para>
/// <para>
/// Spare segments: syncing a frame appended to the end of a file also writes the file's inode (its size), a second
/// disk write before the ack; syncing a frame written over blocks already on disk does not. So the next segment is a
/// spare (<c>{database}.journal.spare</c>) when there is one, and at once if the current segment is an ordinary
/// growing file. A released segment of full size becomes the spare (<see cref="Release"/>); when none is there once
/// a segment is half full (a megabyte into a growing one), a zero-filled spare is written and synced on a background
/// thread (as <c>.spare.tmp</c>, renamed when whole). With no spare the new segment grows: slower to sync, as durable.
/// </para>
/// Not thread-safe for appends: the warehouse appends under its write lock.
/// </summary>
internal sealed partial class DuckDbJournal : IDisposable
{
    public const long SegmentBytes = 64L * 1024 * 1024;
    public const int HeaderBytes = 16;
    private const ulong MagicKeyed = 0x334C4E524A494843; // "CHIJRNL3" little-endian: checks XOR a keyed salt
    private const ulong Magic = 0x324C4E524A494843; // "CHIJRNL2": checks XOR the generation
    private const ulong MagicWithoutGeneration = 0x314C4E524A494843; // "CHIJRNL1": written before spares were recycled
    private const int FrameHeaderBytes = JournalFrames.HeaderBytes;
    private const int ZeroChunkBytes = 1024 * 1024;
    private static readonly byte[] NoFrame = new byte[FrameHeaderBytes];

    private readonly string basePath;
    private readonly string sparePath;
    private readonly long segmentBytes;
    private readonly bool tryDirect;
    private SafeFileHandle? segment;
    private JournalDirectWriter? direct;
    private bool segmentPrepared;
    private Task? preparing;
    private readonly Action<Exception>? spareFailed;
    private readonly byte[]? frameKey;
    private uint salt;

    private DuckDbJournal(string databasePath, long segmentBytes, bool tryDirect, Action<Exception>? spareFailed, byte[]? frameKey)
    {
        this.spareFailed = spareFailed;
        this.frameKey = frameKey;
        this.tryDirect = tryDirect;
        basePath = databasePath + ".journal.";
        sparePath = SparePath(databasePath);
        this.segmentBytes = segmentBytes;
    }

    /// <summary>The generation appended to now.</summary>
    public long Generation { get; private set; }

    /// <summary>The end of the last frame appended to <see cref="Generation"/>.</summary>
    public long Length { get; private set; }

    /// <summary>Whether the current segment is written directly (<see cref="JournalDirectWriter"/>) or buffered and synced.</summary>
    public bool WritesDirect => direct is not null;

    /// <summary>The spare segment's preparation under way, if any (for tests).</summary>
    public Task SparePrepared => preparing ?? Task.CompletedTask;

    /// <summary>
    /// Opens a new segment after <paramref name="lastGeneration"/> for appending: the spare a previous run prepared,
    /// if there is one. Appends are direct writes where the file system takes them, else buffered writes and fdatasync;
    /// <paramref name="tryDirect"/> false keeps to the latter, and it and <paramref name="segmentBytes"/> are for tests.
    /// With a <paramref name="frameKey"/> segments are written in format 3, without one (tests of older files) in format 2.
    /// </summary>
    public static DuckDbJournal Create(string databasePath, long lastGeneration, long segmentBytes = SegmentBytes, bool tryDirect = true,
        Action<Exception>? spareFailed = null, byte[]? frameKey = null)
    {
        var journal = new DuckDbJournal(databasePath, segmentBytes, tryDirect, spareFailed, frameKey);
        File.Delete(journal.sparePath + ".tmp"); // a spare whose preparation a crash cut short
        if (File.Exists(journal.sparePath))
        {
            journal.preparing = Task.CompletedTask; // left by an earlier run
        }

        journal.StartSegment(lastGeneration + 1);
        return journal;
    }

    /// <summary>Appends one frame and syncs it to disk; returns where it ends. Starts a new segment first when due.</summary>
    public JournalPosition Append(ReadOnlySpan<byte> payload)
    {
        if (Length >= segmentBytes || (!segmentPrepared && preparing is { IsCompletedSuccessfully: true }))
        {
            StartSegment(Generation + 1);
        }

        var file = segment ?? throw new ObjectDisposedException(nameof(DuckDbJournal));
        Span<byte> header = stackalloc byte[FrameHeaderBytes];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.HashToUInt32(payload) ^ salt);
        try
        {
            if (direct is not null)
            {
                direct.Write(Length, header, payload);
            }
            else
            {
                RandomAccess.Write(file, header, Length);
                RandomAccess.Write(file, payload, Length + FrameHeaderBytes);
                SyncData(file);
            }
        }
        catch
        {
            // Leave no frame behind: a zero header reads as the segment's end, and the next append writes over it.
            // If even that fails, the frame's CRC or the next append still does.
            try
            {
                if (direct is not null)
                {
                    direct.ClearAfter(Length);
                }
                else
                {
                    RandomAccess.Write(file, NoFrame, Length);
                }
            }
            catch (IOException)
            {
            }

            throw;
        }

        Length += FrameHeaderBytes + payload.Length;
        if (preparing is null && Length >= PrepareAfterBytes)
        {
            // A spare released by the loader is as good as a prepared one, and costs no writing.
            preparing = File.Exists(sparePath) ? Task.CompletedTask : Task.Run(PrepareSpare);
        }

        return new JournalPosition(Generation, Length);
    }

    public void Dispose()
    {
        try
        {
            preparing?.Wait(); // a spare half written would only be deleted at the next open
        }
        catch (AggregateException)
        {
        }

        direct?.Dispose();
        direct = null;
        segment?.Dispose();
        segment = null;
    }

    private void StartSegment(long generation)
    {
        var path = basePath + generation.ToString("D10", CultureInfo.InvariantCulture);
        var spareReady = preparing is not { IsCompleted: false } && File.Exists(sparePath);
        if (preparing is { IsCompleted: true })
        {
            _ = preparing.Exception; // a failed preparation (the disk is full, say) is tried again for a later segment
            preparing = null;
        }

        SafeFileHandle file;
        if (spareReady)
        {
            File.Move(sparePath, path);
            try
            {
                file = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.Read);
            }
            catch
            {
                // Left under the segment's name, it would make every later try's CreateNew fail ("file exists").
                File.Move(path, sparePath);
                throw;
            }
        }
        else
        {
            file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        }

        JournalDirectWriter? directFile = null;
        try
        {
            Span<byte> header = stackalloc byte[HeaderBytes];
            BinaryPrimitives.WriteUInt64LittleEndian(header, frameKey is null ? Magic : MagicKeyed);
            BinaryPrimitives.WriteInt64LittleEndian(header[8..], generation);
            directFile = tryDirect ? WriteHeaderDirect(path, header) : null;
            if (directFile is null)
            {
                RandomAccess.Write(file, header, 0);
                SyncData(file);
            }

            SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!); // the new file's name must be as durable as its frames
        }
        catch
        {
            directFile?.Dispose();
            file.Dispose();
            // No frame of this generation is in it, and left there it would make every later try's CreateNew fail
            // ("file exists") until a restart, even once the disk has room again. If it stays, the next open reads it
            // as a segment whose header never reached the disk.
            TryDelete(path);
            throw;
        }

        direct?.Dispose();
        direct = directFile;
        segment?.Dispose();
        segment = file;
        segmentPrepared = spareReady;
        salt = Salt(generation, frameKey);
        Generation = generation;
        Length = HeaderBytes;
    }

    /// <summary>
    /// Opens a new segment for direct writes and writes its header that way; null when the file system refuses either
    /// (the open, or an alignment it does not take), and the segment is then written buffered.
    /// </summary>
    private static JournalDirectWriter? WriteHeaderDirect(string path, ReadOnlySpan<byte> header)
    {
        var writer = JournalDirectWriter.TryOpen(path);
        try
        {
            writer?.Write(0, header, []);
            return writer;
        }
        catch (Exception e)
        {
            writer?.Dispose(); // whatever failed (out of memory too): the caller has no writer to close
            if (e is IOException)
            {
                return null;
            }

            throw;
        }
    }

    /// <summary>
    /// What a frame's CRC is XORed with in its segment: a recycled segment's old frames, written under another
    /// generation, never pass as frames of the new one; with the database's key (format 3), neither do bytes written
    /// to look like one, since the salt cannot be known without the key. Without a key, the generation (format 2).
    /// </summary>
    internal static uint Salt(long generation, byte[]? frameKey)
    {
        if (frameKey is null)
        {
            return (uint)generation;
        }

        Span<byte> message = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(message, generation);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(frameKey, message, mac);
        return BinaryPrimitives.ReadUInt32LittleEndian(mac);
    }

    /// <summary>fdatasync where there is one: the frame's blocks, and the file's size only when it changed.</summary>
    private static void SyncData(SafeFileHandle file)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(file);
            return;
        }

        if (LinuxFiles.Fdatasync(file) != 0)
        {
            throw new IOException($"fdatasync of the journal failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>
    /// fsync of a new segment's directory, so that its name is as durable as its frames. A failure fails the segment,
    /// and so the write: after a power loss, its acknowledged frames could be gone with its name. Only a file system
    /// that cannot open or sync a directory at all is let be (<see cref="IsDirectorySyncUnsupported"/>).
    /// </summary>
    internal static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var fd = LinuxFiles.Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            ThrowUnlessUnsupported("open", Marshal.GetLastPInvokeError(), directory);
            return;
        }

        try
        {
            if (LinuxFiles.Fsync(fd) != 0)
            {
                ThrowUnlessUnsupported("fsync", Marshal.GetLastPInvokeError(), directory);
            }
        }
        finally
        {
            _ = LinuxFiles.Close(fd);
        }
    }

    private static void ThrowUnlessUnsupported(string call, int errno, string directory)
    {
        if (!IsDirectorySyncUnsupported(errno))
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture,
                $"{call} of the journal's directory '{directory}' failed (errno {errno}); a new segment's name would not be durable"));
        }
    }

    /// <summary>
    /// The errors of a file system that does not let a directory be opened or synced (EBADF, EACCES, EISDIR, EINVAL, as
    /// PostgreSQL lets be for the same fsync; and ENOSYS, ENOTSUP, Linux's numbers, for one that has no such call): any
    /// other (EIO, ENOSPC, a directory gone) is a failure.
    /// </summary>
    internal static bool IsDirectorySyncUnsupported(int errno) => errno is 9 or 13 or 21 or 22 or 38 or 95;
}
