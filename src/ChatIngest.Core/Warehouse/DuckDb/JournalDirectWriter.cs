using System.Runtime.InteropServices;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// A journal segment's appends as one direct, synchronous write each (Linux, <c>O_DIRECT | O_DSYNC</c>): the frame goes
/// from an aligned buffer to the disk and is durable when the write returns. Against a buffered write and an
/// <c>fdatasync</c> this saves the page-cache copy, the writeback and the second system call: about half the CPU per
/// group on a virtual disk (docs/performance.md, item 26). The disk still gets a write and, where its cache is
/// write-back without FUA, a cache flush, which the kernel issues itself.
/// <para>
/// A direct write starts and ends on block boundaries. So each one starts at the block holding the end of the last
/// frame, writes that block's frame bytes again as they were (kept here, and the same bytes whether or not a crash tears
/// the write), then the new frame, then zeros to the block's end, which read as the segment's end.
/// </para>
/// Not thread-safe: the journal appends under the warehouse's write lock.
/// </summary>
internal sealed class JournalDirectWriter : IDisposable
{
    /// <summary>The alignment of offsets, lengths and memory: the largest logical block size of common disks.</summary>
    public const int BlockBytes = 4096;

    private const int InitialBytes = 64 * 1024;

    private readonly int fd;
    private byte[] pinned = [];
    private int aligned; // where the block-aligned buffer starts in pinned
    private int capacity; // the buffer starts with the segment's bytes in the block that holds its end

    private JournalDirectWriter(int fd)
    {
        this.fd = fd;
        Grow(InitialBytes, keep: 0);
    }

    /// <summary>
    /// Opens <paramref name="path"/> (which exists) for direct writes, or null where they are not to be had: another OS
    /// or architecture, or a file system that refuses <c>O_DIRECT</c> (tmpfs did before Linux 6.6).
    /// </summary>
    public static JournalDirectWriter? TryOpen(string path)
    {
        if (!OperatingSystem.IsLinux() || DirectFlag() is not { } direct)
        {
            return null;
        }

        var fd = LinuxFiles.Open(path, LinuxFiles.WriteOnly | LinuxFiles.DataSync | LinuxFiles.CloseOnExec | direct);
        if (fd < 0)
        {
            return null;
        }

        try
        {
            return new JournalDirectWriter(fd);
        }
        catch
        {
            _ = LinuxFiles.Close(fd); // a raw descriptor: nothing else would close it (its buffer could not be had)
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="header"/> and <paramref name="payload"/> at <paramref name="offset"/>, where the segment's
    /// last write through this writer ended (0 for the first); durable once this returns. Throws
    /// <see cref="IOException"/> when the write fails or is short; the next write then starts at the same offset.
    /// </summary>
    public void Write(long offset, ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        var (tailStart, tailLength) = Tail(offset);
        var end = tailLength + header.Length + payload.Length; // relative to tailStart
        var blocks = RoundUp(end);
        if (blocks > capacity)
        {
            Grow(blocks, tailLength);
        }
        else if (capacity > DuckDbWarehouse.RetainedFrameBytes && blocks <= InitialBytes)
        {
            // Grown for a large message's frame: pinned memory is never compacted, so it is given back, before anything
            // is written. Should that fail (no memory), this write fails with the buffer as it was, so the journal's
            // clearing of the block and the retry still find the block's frame bytes here.
            Resize(InitialBytes, tailLength);
        }

        var buffer = pinned.AsSpan(aligned, blocks);
        header.CopyTo(buffer[tailLength..]);
        payload.CopyTo(buffer[(tailLength + header.Length)..]);
        buffer[end..].Clear();
        WriteBlocks(buffer, tailStart);
        var tail = end & (BlockBytes - 1);
        buffer[(end - tail)..end].CopyTo(buffer); // the new end's block, for the next write; nothing may fail after it
    }

    /// <summary>
    /// After a failed <see cref="Write"/> at <paramref name="offset"/>: writes the block holding it back with zeros
    /// from there on, so that nothing of the failed frame is left to read. Best effort: the frame's CRC, or the next
    /// write, covers it when this fails too.
    /// </summary>
    public void ClearAfter(long offset)
    {
        var (tailStart, tailLength) = Tail(offset);
        var buffer = pinned.AsSpan(aligned, BlockBytes);
        buffer[tailLength..].Clear();
        WriteBlocks(buffer, tailStart);
    }

    public void Dispose() => _ = LinuxFiles.Close(fd);

    private static (long Start, int Length) Tail(long offset)
    {
        var start = offset & ~(long)(BlockBytes - 1);
        return (start, (int)(offset - start));
    }

    /// <summary>
    /// Writes all of <paramref name="blocks"/>: a short write (the disk filling up, say) is continued, so that a failure
    /// comes with its cause ("No space left on device") rather than as a count of bytes.
    /// </summary>
    private void WriteBlocks(ReadOnlySpan<byte> blocks, long offset)
    {
        var done = 0;
        while (done < blocks.Length)
        {
            var rest = blocks[done..];
            var written = LinuxFiles.Pwrite(fd, ref MemoryMarshal.GetReference(rest), rest.Length, offset + done);
            if (written <= 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException(written < 0
                    ? $"Direct write to the journal failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})"
                    : $"Direct write to the journal wrote nothing after {done} of {blocks.Length} bytes");
            }

            done += (int)written;
        }
    }

    /// <summary>A pinned buffer with room for <paramref name="bytes"/> from a block boundary on; keeps its first <paramref name="keep"/>.</summary>
    private void Grow(int bytes, int keep) => Resize(Math.Max(bytes, capacity * 2), keep);

    private void Resize(int bytes, int keep)
    {
        var replacement = GC.AllocateUninitializedArray<byte>(bytes + BlockBytes, pinned: true);
        var address = Marshal.UnsafeAddrOfPinnedArrayElement(replacement, 0);
        var offset = (int)((BlockBytes - (address % BlockBytes)) % BlockBytes);
        pinned.AsSpan(aligned, keep).CopyTo(replacement.AsSpan(offset));
        pinned = replacement;
        aligned = offset;
        capacity = replacement.Length - offset;
    }

    private static int RoundUp(int bytes) => (bytes + BlockBytes - 1) & ~(BlockBytes - 1);

    /// <summary><c>O_DIRECT</c>, whose value differs between Linux architectures; null where it is not known here.</summary>
    private static int? DirectFlag() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x4000,
        Architecture.Arm64 => 0x10000,
        _ => null,
    };
}
