using ChatIngest.Core.Warehouse.DuckDb;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Warehouse;

public sealed class JournalDirectWriterTests : WarehouseFileTests
{
    [Fact]
    public void ALargeFramesWriteSucceedsAndLaterFramesFollowItWhenItsBufferCannotBeGivenBack()
    {
        // The large frame is on disk when the writer would swap its grown buffer for a small one; with no memory for
        // that, the write must still succeed (it is durable) and the next frame must start from the block it ended in.
        var path = Path.Combine(Folder, "segment");
        File.WriteAllBytes(path, []);
        using var writer = JournalDirectWriter.TryOpen(path);
        if (!DuckDbJournalSegmentTests.DirectWritesExpected)
        {
            Assert.Null(writer); // direct writes are Linux-only: the journal then writes through the page cache
            return;
        }

        Assert.NotNull(writer);
        writer.FaultOnShrink = () => throw new OutOfMemoryException("no room for the small buffer");
        byte[] first = Bytes(1, 100), large = Bytes(2, DuckDbWarehouse.RetainedFrameBytes + 12_345), after = Bytes(3, 777);

        writer.Write(0, first.AsSpan(0, 8), first.AsSpan(8));
        writer.Write(first.Length, large.AsSpan(0, 8), large.AsSpan(8));
        writer.Write(first.Length + large.Length, after.AsSpan(0, 8), after.AsSpan(8));

        var expected = first.Concat(large).Concat(after).ToArray();
        Assert.True(expected.AsSpan().SequenceEqual(File.ReadAllBytes(path).AsSpan(0, expected.Length)), "the segment's bytes differ from what was written");
    }

    private static byte[] Bytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
