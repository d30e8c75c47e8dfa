using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using ChatIngest.Core.Warehouse.DuckDb;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Warehouse;

/// <summary>
/// The journal's files on their own, written directly and buffered: frames come back in order across segments; once a
/// spare is ready, the next segment is that zero-filled, already synced file rather than a growing one; and what a crash
/// leaves behind — a torn frame before the zeros, a half-prepared spare — is cut off or deleted, never read as a frame.
/// </summary>
public sealed class DuckDbJournalSegmentTests : IDisposable
{
    private const long SegmentBytes = 64 * 1024; // small segments, so a test rotates through several

    private readonly string directory = TempPaths.NewDirectory();

    private string Database => Path.Combine(directory, "s.duckdb");

    private string Spare => Database + ".journal.spare";

    public void Dispose() => TempPaths.TryDelete(directory);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FramesComeBackInOrderAcrossTheFirstGrowingSegmentAndThePreparedOnesAfterIt(bool direct)
    {
        var written = new List<byte[]>();
        using (var journal = DuckDbJournal.Create(Database, lastGeneration: 0, SegmentBytes, direct))
        {
            Assert.Equal(direct && DirectWritesExpected, journal.WritesDirect);
            for (var i = 0; i < 300; i++)
            {
                var payload = Payload(i, 200 + (i * 37 % 1_500));
                journal.Append(payload);
                written.Add(payload);
                await journal.SparePrepared; // the spare is ready by the time a segment is full
            }
        }

        var segments = DuckDbJournal.List(Database);
        Assert.True(segments.Count >= 4, $"{segments.Count} segments");
        var fileLengths = segments.Select(s => new FileInfo(s.Path).Length).ToList();

        var read = segments.Select(s => DuckDbJournal.ReadFrames(s, 0).ToList()).ToList();

        Assert.Equal(written, read.SelectMany(frames => frames.Select(f => f.Payload)));
        // the first segment grew frame by frame (direct writes end on a block boundary, with zeros after the frames)
        Assert.Equal(fileLengths[0], direct ? RoundUpToBlock(read[0][^1].End) : read[0][^1].End);
        for (var i = 1; i < segments.Count; i++)
        {
            // a prepared segment is longer than its frames, and the zeros after them are cut off when it is read
            Assert.True(fileLengths[i] > read[i][^1].End, $"segment {i}: {fileLengths[i]} bytes, frames end at {read[i][^1].End}");
            Assert.Equal(read[i][^1].End, new FileInfo(segments[i].Path).Length);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FramesAfterALargeMessagesFrameComeBackWholeOnceItsBufferIsGivenBack(bool direct)
    {
        // A direct write rewrites the block holding the last frame's end; the buffer that grew for a frame of more than
        // DuckDbWarehouse.RetainedFrameBytes is replaced by a small one after it, which must carry that block over.
        int[] sizes = [1_000, 5 * 1024 * 1024 + 123, 777, 4_096, 9 * 1024 * 1024 + 5, 3];
        var written = sizes.Select((size, i) => Payload(i, size)).ToList();
        using (var journal = DuckDbJournal.Create(Database, lastGeneration: 0, segmentBytes: 64L * 1024 * 1024, direct))
        {
            Assert.Equal(direct && DirectWritesExpected, journal.WritesDirect);
            foreach (var payload in written)
            {
                journal.Append(payload);
            }
        }

        var read = DuckDbJournal.List(Database).SelectMany(s => DuckDbJournal.ReadFrames(s, 0)).Select(f => f.Payload);

        Assert.Equal(written, read);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SpareLeftByAnEarlierRunIsTheNextSegmentAndATornFrameInItIsCutOffWithTheZeros(bool direct)
    {
        using (var first = DuckDbJournal.Create(Database, lastGeneration: 0, SegmentBytes, direct))
        {
            first.Append(Payload(0, (int)(SegmentBytes / 2))); // past a quarter: the spare is prepared
            await first.SparePrepared;
        }

        var spareLength = new FileInfo(Spare).Length;
        Assert.True(spareLength > SegmentBytes, $"the spare holds {spareLength} bytes");

        long end;
        using (var second = DuckDbJournal.Create(Database, lastGeneration: 1, SegmentBytes, direct))
        {
            second.Append(Payload(1, 300));
            end = second.Append(Payload(2, 400)).Offset;
        }

        Assert.False(File.Exists(Spare));
        var segment = DuckDbJournal.List(Database)[^1];
        Assert.Equal(2, segment.Generation);
        Assert.Equal(spareLength, new FileInfo(segment.Path).Length);

        await using (var file = new FileStream(segment.Path, FileMode.Open, FileAccess.Write))
        {
            var torn = Payload(3, 1_000);
            var header = new byte[8];
            BinaryPrimitives.WriteInt32LittleEndian(header, torn.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), Crc32.HashToUInt32(torn));
            file.Position = end;
            await file.WriteAsync(header);
            await file.WriteAsync(torn.AsMemory(0, torn.Length / 2)); // the crash came mid-write: zeros after it
        }

        var frames = DuckDbJournal.ReadFrames(segment, 0).ToList();

        Assert.Equal([Payload(1, 300), Payload(2, 400)], frames.Select(f => f.Payload));
        Assert.Equal(end, new FileInfo(segment.Path).Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AFrameDamagedWithWholeFramesAfterItIsSkippedAndReportedAndTheRestIsReadAndKept(bool direct)
    {
        long secondStart, secondEnd;
        using (var journal = DuckDbJournal.Create(Database, lastGeneration: 0, SegmentBytes, direct))
        {
            secondStart = journal.Append(Payload(1, 300)).Offset;
            secondEnd = journal.Append(Payload(2, 400)).Offset;
            journal.Append(Payload(3, 500));
        }

        var segment = DuckDbJournal.List(Database).Single();
        FlipByte(segment.Path, secondStart + 8 + 50); // a byte of the second frame's payload: no crash does that

        var damage = new List<string>();
        var frames = DuckDbJournal.ReadFrames(segment, 0, damage.Add).ToList();

        Assert.Equal([Payload(1, 300), Payload(3, 500)], frames.Select(f => f.Payload));
        Assert.Contains($"offset {secondStart}", Assert.Single(damage), StringComparison.Ordinal);
        Assert.True(frames[1].End > secondEnd);
        Assert.Equal(frames[1].End, new FileInfo(segment.Path).Length); // cut after the last frame, not at the damage
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ASegmentWhoseHeaderIsDamagedButWhoseFramesAreWholeIsReadAndReported(bool direct)
    {
        using (var journal = DuckDbJournal.Create(Database, lastGeneration: 0, SegmentBytes, direct))
        {
            journal.Append(Payload(1, 300));
            journal.Append(Payload(2, 400));
        }

        var segment = DuckDbJournal.List(Database).Single();
        FlipByte(segment.Path, 0);

        var damage = new List<string>();
        var frames = DuckDbJournal.ReadFrames(segment, 0, damage.Add).ToList();

        Assert.Equal([Payload(1, 300), Payload(2, 400)], frames.Select(f => f.Payload));
        Assert.Contains("header", Assert.Single(damage), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReleasedSegmentIsTheNextSpareAndItsOldFramesAreNeverReadAsFramesOfTheNewGeneration(bool direct)
    {
        // Frames of one size: the new ones end exactly where old ones begin. Written directly, the rest of the last
        // block is zeros, so at 1,016 bytes a frame (which divides no block) some old frames still start right after.
        const int frameBytes = 1_000;
        var frame = 0;
        using var journal = DuckDbJournal.Create(Database, lastGeneration: 0, SegmentBytes, direct);
        while (journal.Generation < 3)
        {
            journal.Append(Payload(frame++, frameBytes));
            await journal.SparePrepared;
        }

        var second = DuckDbJournal.List(Database).Single(s => s.Generation == 2);
        var secondLength = new FileInfo(second.Path).Length;

        DuckDbJournal.Release(Database, generation: 3, SegmentBytes); // the loader has loaded generations 1 and 2

        Assert.Equal([3L], DuckDbJournal.List(Database).Select(s => s.Generation));
        Assert.Equal(secondLength, new FileInfo(Spare).Length);

        var last = Array.Empty<byte>();
        while (journal.Generation < 4)
        {
            last = Payload(frame++, frameBytes);
            journal.Append(last); // the append that starts generation 4 is its first frame
            await journal.SparePrepared;
        }

        var fourth = DuckDbJournal.List(Database).Single(s => s.Generation == 4);
        Assert.Equal(secondLength, new FileInfo(fourth.Path).Length); // the released file, not a new one

        Assert.Equal([last], DuckDbJournal.ReadFrames(fourth, 0).Select(f => f.Payload));
    }

    [Fact]
    public async Task ASpareThatCannotBePreparedIsReportedAndTheJournalGoesOnWithGrowingSegments()
    {
        var failures = new List<Exception>();
        using var journal = DuckDbJournal.Create(Database, lastGeneration: 0, SegmentBytes, tryDirect: false, spareFailed: failures.Add);
        Directory.CreateDirectory(Spare + ".tmp"); // where the spare is written: it cannot be
        var written = new List<byte[]>();
        for (var i = 0; journal.Generation < 3; i++)
        {
            written.Add(Payload(i, 1_000));
            journal.Append(written[^1]);
            await journal.SparePrepared.ContinueWith(_ => { }, TaskScheduler.Default); // done, failed or not
        }

        Assert.NotEmpty(failures);
        Assert.False(File.Exists(Spare));
        Assert.Equal(written, DuckDbJournal.List(Database).SelectMany(s => DuckDbJournal.ReadFrames(s, 0)).Select(f => f.Payload));
    }

    [Fact]
    public void SyncingADirectoryThatCannotBeOpenedThrowsNamingItsErrnoInsteadOfPassingForDurable()
    {
        // A real open(2) that fails (ENOENT): before, every failure of the directory's sync was let be, so a segment's
        // name could be lost on a power loss with its acknowledged frames while the writes went on as durable.
        var gone = Path.Combine(directory, "gone");

        var failure = Assert.Throws<IOException>(() => DuckDbJournal.SyncDirectory(gone));

        Assert.Contains($"open of the journal's directory '{gone}' failed (errno 2)", failure.Message, StringComparison.Ordinal);
        DuckDbJournal.SyncDirectory(directory); // one that exists syncs
    }

    [Theory]
    [InlineData(5, false)]  // EIO: the disk failed the write of the directory
    [InlineData(28, false)] // ENOSPC
    [InlineData(2, false)]  // ENOENT: the directory is gone
    [InlineData(22, true)]  // EINVAL: a file system that cannot fsync a directory
    [InlineData(9, true)]   // EBADF: one that cannot fsync a directory opened read-only
    [InlineData(13, true)]  // EACCES: one that does not let a directory be opened
    [InlineData(21, true)]  // EISDIR
    [InlineData(38, true)]  // ENOSYS: a file system with no fsync for directories
    [InlineData(95, true)]  // ENOTSUP
    public void OnlyAFileSystemThatCannotSyncADirectoryAtAllIsLetBe(int errno, bool letBe) =>
        Assert.Equal(letBe, DuckDbJournal.IsDirectorySyncUnsupported(errno));

    [Fact]
    public void SegmentOfTheFirstFormatIsStillRead()
    {
        // What the version before recycled segments wrote: magic "CHIJRNL1", and a check that is the plain CRC-32.
        var path = Database + ".journal.0000000007";
        var payloads = new[] { Payload(1, 120), Payload(2, 80) };
        using (var file = File.Create(path))
        {
            file.Write("CHIJRNL1"u8);
            file.Write(BitConverter.GetBytes(7L));
            foreach (var payload in payloads)
            {
                var header = new byte[8];
                BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), Crc32.HashToUInt32(payload));
                file.Write(header);
                file.Write(payload);
            }
        }

        var frames = DuckDbJournal.ReadFrames(DuckDbJournal.List(Database).Single(), 0).Select(f => f.Payload);

        Assert.Equal(payloads, frames);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SpareWhosePreparationACrashCutShortIsDeletedNotUsed(bool direct)
    {
        var temporary = Spare + ".tmp";
        File.WriteAllBytes(temporary, new byte[4096]);

        using var journal = DuckDbJournal.Create(Database, lastGeneration: 0, SegmentBytes, direct);

        Assert.False(File.Exists(temporary));
        var length = new FileInfo(DuckDbJournal.List(Database).Single().Path).Length;
        Assert.Equal(direct && DirectWritesExpected ? JournalDirectWriter.BlockBytes : DuckDbJournal.HeaderBytes, length); // a new file, not the .tmp
    }

    [Fact]
    public void DirectWritesKeepEveryFrameWhetherItEndsInsideABlockOnItsEdgeOrPastTheBuffer()
    {
        // 16 header bytes + (8 + 4,072) end the first block exactly; then frames inside one block, one that starts a
        // block, one larger than the writer's first buffer (64 KB) after a partly filled block, and small ones after it.
        int[] sizes = [4_072, 10, 20, 30, 4_096 - 76 - 8, 1, 200_000, 5, 4_000, 3];
        var written = sizes.Select((size, i) => Payload(i, size)).ToList();
        var ends = new List<long>();
        using (var journal = DuckDbJournal.Create(Database, lastGeneration: 0, segmentBytes: 1L << 30, tryDirect: true))
        {
            Assert.Equal(DirectWritesExpected, journal.WritesDirect);
            ends.AddRange(written.Select(payload => journal.Append(payload).Offset));
        }

        var segment = DuckDbJournal.List(Database).Single();
        var length = new FileInfo(segment.Path).Length;
        var frames = DuckDbJournal.ReadFrames(segment, 0).ToList();

        Assert.Equal(written, frames.Select(f => f.Payload));
        Assert.Equal(ends, frames.Select(f => f.End));
        Assert.Equal(DuckDbJournal.HeaderBytes + 8 + 4_072, ends[0]);
        Assert.Equal(RoundUpToBlock(ends[^1]), length);
    }

    /// <summary>
    /// Direct writes are expected wherever this runs on Linux (x64 or Arm64), but on a tmpfs before Linux 6.6, which
    /// refuses O_DIRECT (a tmpfs /tmp is Debian 13's default). The file system is read from the mount table, not from
    /// the journal's own probe, which is what is under test.
    /// </summary>
    private static bool DirectWritesExpected =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64
        && (FileSystemOf(Path.GetTempPath()) != "tmpfs" || Environment.OSVersion.Version >= new Version(6, 6));

    /// <summary>The type of the file system <paramref name="path"/> is on: the longest mount point of /proc/self/mounts above it.</summary>
    private static string FileSystemOf(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd('/') + "/";
        return File.ReadLines("/proc/self/mounts")
            .Select(line => line.Split(' '))
            .Where(fields => fields.Length > 2 && full.StartsWith(fields[1].Replace("\\040", " ", StringComparison.Ordinal).TrimEnd('/') + "/", StringComparison.Ordinal))
            .MaxBy(fields => fields[1].Length)?[2] ?? "";
    }

    private static long RoundUpToBlock(long bytes) => (bytes + JournalDirectWriter.BlockBytes - 1) / JournalDirectWriter.BlockBytes * JournalDirectWriter.BlockBytes;

    private static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var value = (byte)file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)~value);
    }

    private static byte[] Payload(int seed, int length)
    {
        var payload = new byte[length];
        new Random(seed).NextBytes(payload);
        return payload;
    }
}
