using System.Buffers.Binary;
using System.IO.Hashing;
using ChatIngest.Core.Warehouse.DuckDb;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Warehouse;

/// <summary>
/// The journal's files on their own: frames come back in order across segments; once a spare is ready, the next
/// segment is that zero-filled, already synced file rather than a growing one; and what a crash leaves behind — a torn
/// frame before the zeros, a half-prepared spare — is cut off or deleted, never read as a frame.
/// </summary>
public sealed class DuckDbJournalSegmentTests : IDisposable
{
    private const long SegmentBytes = 64 * 1024; // small segments, so a test rotates through several

    private readonly string directory = TempPaths.NewDirectory();

    private string Database => Path.Combine(directory, "s.duckdb");

    private string Spare => Database + ".journal.spare";

    public void Dispose() => TempPaths.TryDelete(directory);

    [Fact]
    public async Task FramesComeBackInOrderAcrossTheFirstGrowingSegmentAndThePreparedOnesAfterIt()
    {
        var written = new List<byte[]>();
        using (var journal = DuckDbJournal.Create(Database, lastGeneration: 0, SegmentBytes))
        {
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
        Assert.Equal(fileLengths[0], read[0][^1].End); // the first segment grew frame by frame
        for (var i = 1; i < segments.Count; i++)
        {
            // a prepared segment is longer than its frames, and the zeros after them are cut off when it is read
            Assert.True(fileLengths[i] > read[i][^1].End, $"segment {i}: {fileLengths[i]} bytes, frames end at {read[i][^1].End}");
            Assert.Equal(read[i][^1].End, new FileInfo(segments[i].Path).Length);
        }
    }

    [Fact]
    public async Task SpareLeftByAnEarlierRunIsTheNextSegmentAndATornFrameInItIsCutOffWithTheZeros()
    {
        using (var first = DuckDbJournal.Create(Database, lastGeneration: 0, SegmentBytes))
        {
            first.Append(Payload(0, (int)(SegmentBytes / 2))); // past a quarter: the spare is prepared
            await first.SparePrepared;
        }

        var spareLength = new FileInfo(Spare).Length;
        Assert.True(spareLength > SegmentBytes, $"the spare holds {spareLength} bytes");

        long end;
        using (var second = DuckDbJournal.Create(Database, lastGeneration: 1, SegmentBytes))
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

    [Fact]
    public async Task ReleasedSegmentIsTheNextSpareAndItsOldFramesAreNeverReadAsFramesOfTheNewGeneration()
    {
        const int frameBytes = 1_000; // frames of one size: the new ones end exactly where old ones begin
        var frame = 0;
        using var journal = DuckDbJournal.Create(Database, lastGeneration: 0, SegmentBytes);
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

    [Fact]
    public void SpareWhosePreparationACrashCutShortIsDeletedNotUsed()
    {
        var temporary = Spare + ".tmp";
        File.WriteAllBytes(temporary, new byte[4096]);

        using var journal = DuckDbJournal.Create(Database, lastGeneration: 0, SegmentBytes);

        Assert.False(File.Exists(temporary));
        Assert.Equal(DuckDbJournal.HeaderBytes, new FileInfo(DuckDbJournal.List(Database).Single().Path).Length);
    }

    private static byte[] Payload(int seed, int length)
    {
        var payload = new byte[length];
        new Random(seed).NextBytes(payload);
        return payload;
    }
}
