using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// One line of an NDJSON stream as raw bytes (no line break), how many stream bytes it took, and its number in the
/// stream (from 1, blank lines counted, as an editor or <c>sed -n</c> numbers them). <see cref="TooLong"/>: a line over
/// the reader's limit, read past and not kept (<see cref="TooLongLines.Yield"/>); its <see cref="Data"/> is empty.
/// </summary>
public readonly record struct NdjsonLine(byte[] Data, long SourceBytes, long Number, bool TooLong = false);

/// <summary>What <see cref="NdjsonLineReader"/> does at a line over its limit.</summary>
public enum TooLongLines
{
    /// <summary>End the lines there with <see cref="LineTooLongException"/>: a request body is refused from that line on.</summary>
    Stop,

    /// <summary>Read past it and yield it as a <see cref="NdjsonLine.TooLong"/> line, then go on: a CLI fails that line alone.</summary>
    Yield,
}

/// <summary>A line longer than the reader's limit: the read stops there. <see cref="LineNumber"/> counts as <see cref="NdjsonLine.Number"/> does.</summary>
public sealed class LineTooLongException(int maxLineBytes, long lineNumber)
    : IOException(string.Create(CultureInfo.InvariantCulture, $"Line {lineNumber} is longer than {maxLineBytes:N0} bytes."))
{
    public long LineNumber { get; } = lineNumber;
}

/// <summary>A stream that is a compressed file, not NDJSON (<see cref="NdjsonStart"/>): refused before any line.</summary>
public sealed class CompressedNdjsonException(string format)
    : IOException($"It is {format}-compressed, not NDJSON: decompress it first (e.g. {NdjsonStart.Decompression(format)?.Command} FILE | … - reads it from stdin).")
{
    public string Format { get; } = format;
}

/// <summary>A stream in another Unicode encoding than UTF-8 (<see cref="NdjsonStart"/>, by its byte order mark): refused before any line.</summary>
public sealed class NotUtf8NdjsonException(string encoding)
    : IOException($"It is {encoding} (it starts with {encoding}'s byte order mark), not UTF-8 NDJSON: convert it first (e.g. iconv -f {encoding} -t UTF-8 FILE | … - reads it from stdin).")
{
    public string Encoding { get; } = encoding;
}

/// <summary>
/// Splits NDJSON (a replay body, a CLI source) into raw byte lines without holding more than one line (and one read
/// buffer) in memory, so a line goes on exactly as it is, even if it is not valid UTF-8. The stream's start is
/// <see cref="NdjsonStart"/>'s: a byte order mark is skipped, a compressed file is refused. Blank lines are skipped;
/// a trailing <c>\r</c> is dropped. A line over the limit ends the lines with <see cref="LineTooLongException"/>, after
/// every line before it, or is read past in pieces and yielded as too long (<see cref="TooLongLines"/>).
/// </summary>
public static class NdjsonLineReader
{
    public static async IAsyncEnumerable<NdjsonLine> ReadLinesAsync(
        PipeReader reader, int maxLineBytes, [EnumeratorCancellation] CancellationToken cancellationToken,
        TooLongLines tooLongLines = TooLongLines.Stop)
    {
        if (await NdjsonStart.ReadAsync(reader, cancellationToken) is { } format)
        {
            throw new CompressedNdjsonException(format);
        }

        long number = 0;
        long skipped = -1; // the bytes of a too-long line read past so far, its end not come yet (Yield); -1 outside one

        // The bytes of the line being read that an earlier read already searched for its break: not searched again, or
        // a line arriving in many reads (Kestrel hands over a few KB at a time) costs its length squared.
        long searched = 0;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            NdjsonStart.ThrowIfCancelled(reader, result);

            var buffer = result.Buffer;
            var lines = new List<NdjsonLine>();
            var tooLong = false;
            while (true)
            {
                if (skipped >= 0)
                {
                    // Read past it up to its line break or the stream's end, holding none of it.
                    var lineBreak = buffer.PositionOf((byte)'\n');
                    var past = lineBreak is { } at ? buffer.GetPosition(1, at) : buffer.End;
                    skipped += buffer.Slice(0, past).Length;
                    buffer = buffer.Slice(past);
                    if (lineBreak is null && !result.IsCompleted)
                    {
                        break;
                    }

                    lines.Add(new NdjsonLine([], skipped, ++number, TooLong: true));
                    skipped = -1;
                }

                var end = buffer.Slice(searched).PositionOf((byte)'\n');
                var length = end is { } e ? buffer.Slice(0, e).Length : buffer.Length; // a line not ended yet counts too
                if (ContentLength(buffer, length) > maxLineBytes)
                {
                    if (tooLongLines == TooLongLines.Stop)
                    {
                        tooLong = true;
                        break;
                    }

                    skipped = 0;
                    searched = 0;
                    continue;
                }

                if (end is not { } lineEnd)
                {
                    searched = length; // the next read's buffer starts where this one does
                    break;
                }

                Add(lines, buffer.Slice(0, lineEnd), length + 1, ++number);
                buffer = buffer.Slice(buffer.GetPosition(1, lineEnd));
                searched = 0;
            }

            if (!tooLong && skipped < 0 && result.IsCompleted && !buffer.IsEmpty)
            {
                Add(lines, buffer, buffer.Length, ++number);
                buffer = buffer.Slice(buffer.End);
            }

            // Past a line that is too long nothing more is read, but the read must still end here: Kestrel drains the
            // rest of a request body only from a reader that is not in the middle of a read.
            reader.AdvanceTo(tooLong ? result.Buffer.End : buffer.Start, result.Buffer.End);
            foreach (var line in lines)
            {
                yield return line;
            }

            if (tooLong)
            {
                throw new LineTooLongException(maxLineBytes, number + 1);
            }

            if (result.IsCompleted)
            {
                yield break;
            }
        }
    }

    /// <summary>A line's length without the <c>\r</c> of a CRLF ending, which is not the line's (<see cref="Add"/> drops it).</summary>
    private static long ContentLength(ReadOnlySequence<byte> buffer, long length) =>
        length > 0 && buffer.Slice(length - 1, 1).FirstSpan[0] == (byte)'\r' ? length - 1 : length;

    private static void Add(List<NdjsonLine> lines, ReadOnlySequence<byte> line, long sourceBytes, long number)
    {
        var data = line.ToArray();
        if (data.Length > 0 && data[^1] == (byte)'\r')
        {
            data = data[..^1];
        }

        // Blank: white space only, after a byte order mark if the line starts with one (an empty file saved with a mark,
        // joined to others); a line with content is kept byte for byte, its mark for the classifier to skip.
        var content = data.AsSpan();
        if (content.StartsWith(Encoding.UTF8.Preamble))
        {
            content = content[Encoding.UTF8.Preamble.Length..];
        }

        if (!content.Trim(" \t"u8).IsEmpty)
        {
            lines.Add(new NdjsonLine(data, sourceBytes, number));
        }
    }
}
