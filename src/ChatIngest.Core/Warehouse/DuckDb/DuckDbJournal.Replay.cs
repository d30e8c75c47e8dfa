using System.Buffers.Binary;
using System.Globalization;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>The journal's segments on disk, and reading one back at the next start.</summary>
internal sealed partial class DuckDbJournal
{
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

    /// <summary>
    /// The payloads of one segment's whole frames after <paramref name="offset"/>, with the offset each one ends at.
    /// The first frame that does not check ends the segment and is cut off with everything after it: a prepared
    /// segment's zeros, what an older generation left in a recycled one, or a frame a crash tore (only the last write
    /// can be, and its group was never acknowledged). When a whole frame of this generation follows right after it,
    /// the damage is no crash's: the bad frame is skipped, the rest read, the file left as it is, and
    /// <paramref name="damaged"/> told, as it is of a damaged header with whole frames after it.
    /// </summary>
    public static IEnumerable<(byte[] Payload, long End)> ReadFrames(Segment segment, long offset, Action<string>? damaged = null, byte[]? frameKey = null)
    {
        using var file = new FileStream(segment.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        var header = new byte[HeaderBytes];
        var magic = file.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes ? 0 : BinaryPrimitives.ReadUInt64LittleEndian(header);
        uint? salt = null;
        if (magic is MagicKeyed or Magic or MagicWithoutGeneration && BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(8)) == segment.Generation)
        {
            salt = magic switch
            {
                MagicKeyed => Salt(segment.Generation, frameKey ?? throw new InvalidDataException($"{segment.Path} is keyed (format 3), and no frame key was given to read it.")),
                Magic => Salt(segment.Generation, null),
                _ => 0,
            };
        }
        else
        {
            // The header is damaged: whole frames right after it, checked with either salt it could have had, say which.
            foreach (var candidate in frameKey is null ? [Salt(segment.Generation, null)] : new[] { Salt(segment.Generation, frameKey), Salt(segment.Generation, null) })
            {
                if (JournalFrames.At(file, HeaderBytes, candidate).Payload is not null)
                {
                    damaged?.Invoke("its header is damaged, but whole frames follow it; they are read");
                    salt = candidate;
                    break;
                }
            }

            if (salt is null)
            {
                yield break; // a segment whose header never reached the disk held no acknowledged frame
            }
        }

        var position = Math.Max(offset, HeaderBytes);
        while (position < file.Length)
        {
            var (payload, length) = JournalFrames.At(file, position, salt.Value);
            if (payload is not null)
            {
                position += FrameHeaderBytes + length;
                yield return (payload, position);
                continue;
            }

            var next = position + FrameHeaderBytes + length;
            if (length > 0 && JournalFrames.At(file, next, salt.Value).Payload is not null)
            {
                damaged?.Invoke($"the frame at offset {position} ({length} bytes) fails its CRC check and whole frames follow it; it is skipped and they are read");
                position = next;
                continue;
            }

            file.SetLength(position);
            file.Flush(flushToDisk: true);
            yield break;
        }
    }

    internal readonly record struct Segment(long Generation, string Path);
}
