using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Cli.Sources;

/// <summary>One line of the source as raw bytes (no line break), and how many source bytes it took.</summary>
internal sealed record SourceLine(byte[] Data, long SourceBytes);

/// <summary>
/// Reads NDJSON as raw byte lines, so a line is sent exactly as it is (even if it is not valid UTF-8). A UTF-8 byte
/// order mark at the source's start is skipped (it belongs to the file, not to the first line), and a compressed
/// source is refused before anything is sent. Blank lines are skipped; a trailing CR is dropped. A line over
/// <see cref="MaxLineBytes"/> (Pub/Sub's message limit) stops the read.
/// </summary>
internal static class NdjsonLines
{
    public const int MaxLineBytes = 10 * 1024 * 1024;

    public static async IAsyncEnumerable<SourceLine> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 1 << 16, leaveOpen: true));
        try
        {
            if (await NdjsonStart.ReadAsync(reader, cancellationToken) is { } format)
            {
                // Sent as lines, its bytes would reach the service as invalid messages, each parked as a dead letter.
                throw new InvalidDataException(
                    $"it is {format}-compressed, not NDJSON; nothing was sent. Decompress it and read it from stdin "
                    + "(SOURCE -), e.g. gunzip -c FILE | … -");
            }

            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                var lines = TakeLines(ref buffer);
                if (result.IsCompleted && !buffer.IsEmpty)
                {
                    lines.Add(ToLine(buffer, buffer.Length));
                    buffer = buffer.Slice(buffer.End);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                foreach (var line in lines)
                {
                    if (!IsBlank(line.Data))
                    {
                        yield return line;
                    }
                }

                if (result.IsCompleted)
                {
                    yield break;
                }

                if (buffer.Length > MaxLineBytes)
                {
                    throw new InvalidDataException($"A line is longer than {MaxLineBytes:N0} bytes, the most a Pub/Sub message holds.");
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    private static List<SourceLine> TakeLines(ref ReadOnlySequence<byte> buffer)
    {
        var lines = new List<SourceLine>();
        while (buffer.PositionOf((byte)'\n') is { } end)
        {
            lines.Add(ToLine(buffer.Slice(0, end), buffer.Slice(0, end).Length + 1));
            buffer = buffer.Slice(buffer.GetPosition(1, end));
        }

        return lines;
    }

    private static SourceLine ToLine(ReadOnlySequence<byte> line, long sourceBytes)
    {
        var data = line.ToArray();
        if (data.Length > 0 && data[^1] == (byte)'\r')
        {
            data = data[..^1];
        }

        return new SourceLine(data, sourceBytes);
    }

    private static bool IsBlank(byte[] data) => data.AsSpan().Trim(" \t"u8).IsEmpty;
}
