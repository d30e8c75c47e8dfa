
namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>Spare segments: prepared ahead, or recycled from released ones, so that a frame's sync writes no inode.</summary>
internal sealed partial class DuckDbJournal
{
    /// <summary>
    /// The bytes a prepared segment holds: its size plus room for the frame that takes it past that size, so the
    /// last frames of a segment are written over prepared blocks too.
    /// </summary>
    private long PreparedBytes => segmentBytes + Math.Min(segmentBytes / 4, 4 * ZeroChunkBytes);

    /// <summary>
    /// How much a segment holds before a spare is written if none is there. In a growing segment little, so that a busy
    /// service moves off its first one within a second or so, while one that writes a few rows (a test, a quiet day)
    /// prepares nothing; in a spare, half of it, which leaves the loader time to release the previous segment as the
    /// next spare.
    /// </summary>
    private long PrepareAfterBytes => segmentPrepared ? segmentBytes / 2 : Math.Min(segmentBytes / 4, ZeroChunkBytes);

    /// <summary>
    /// Releases the segments older than <paramref name="generation"/> (the tables hold all of them): the newest becomes
    /// the spare if there is none and it is of full size (its blocks are on disk), the others are deleted.
    /// </summary>
    public static void Release(string databasePath, long generation, long segmentBytes = SegmentBytes)
    {
        var released = List(databasePath).Where(s => s.Generation < generation).ToList();
        var spare = SparePath(databasePath);
        for (var i = 0; i < released.Count; i++)
        {
            if (i == released.Count - 1 && !File.Exists(spare) && new FileInfo(released[i].Path).Length >= segmentBytes)
            {
                try
                {
                    File.Move(released[i].Path, spare);
                    continue;
                }
                catch (IOException)
                {
                    // a spare was written meanwhile
                }
            }

            File.Delete(released[i].Path);
        }
    }

    private static string SparePath(string databasePath) => databasePath + ".journal.spare";

    /// <summary>
    /// Writes a zero-filled segment's worth of blocks, syncs it, and only then names it the spare. A failure (the disk
    /// full, say) deletes what was written, which would otherwise hold the disk's last free space, and is reported.
    /// </summary>
    private void PrepareSpare()
    {
        var temporary = sparePath + ".tmp";
        try
        {
            using (var file = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                var zeros = new byte[ZeroChunkBytes];
                for (var offset = 0L; offset < PreparedBytes; offset += zeros.Length)
                {
                    RandomAccess.Write(file, zeros.AsSpan(0, (int)Math.Min(zeros.Length, PreparedBytes - offset)), offset);
                }

                RandomAccess.FlushToDisk(file);
            }

            File.Move(temporary, sparePath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException || ProcessFileSizeLimit.IsExceededBy(e))
        {
            TryDelete(temporary); // else deleted at the next open
            spareFailed?.Invoke(e);
            throw;
        }
    }

    /// <summary>Deletes a file that holds nothing needed, where it can; where it cannot, a later open deals with it.</summary>
    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
