using System.Buffers;
using System.IO.Pipelines;

namespace ChatIngest.Api.Replay;

/// <summary>
/// Splits a request body into lines without holding more than one line (and one read buffer) in memory.
/// Blank lines are skipped; a trailing <c>\r</c> is dropped. (A byte order mark at the body's start is
/// <see cref="ChatIngest.Core.Ingest.NdjsonStart"/>'s to skip.)
/// </summary>
internal static class NdjsonLineReader
{
    public static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadLinesAsync(
        PipeReader reader, int maxLineBytes, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var lines = new List<ReadOnlyMemory<byte>>();
            while (TryTakeLine(ref buffer, out var line))
            {
                Add(lines, line, maxLineBytes);
            }

            if (result.IsCompleted && !buffer.IsEmpty)
            {
                Add(lines, buffer, maxLineBytes);
                buffer = buffer.Slice(buffer.End);
            }
            else if (buffer.Length > maxLineBytes)
            {
                throw new LineTooLongException(maxLineBytes);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            foreach (var line in lines)
            {
                yield return line;
            }

            if (result.IsCompleted)
            {
                yield break;
            }
        }
    }

    private static bool TryTakeLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var end = buffer.PositionOf((byte)'\n');
        if (end is null)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, end.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, end.Value));
        return true;
    }

    private static void Add(List<ReadOnlyMemory<byte>> lines, ReadOnlySequence<byte> line, int maxLineBytes)
    {
        if (line.Length > maxLineBytes)
        {
            throw new LineTooLongException(maxLineBytes);
        }

        var bytes = line.ToArray().AsMemory();
        if (bytes.Length > 0 && bytes.Span[^1] == (byte)'\r')
        {
            bytes = bytes[..^1];
        }

        if (!bytes.Span.Trim(" \t"u8).IsEmpty)
        {
            lines.Add(bytes);
        }
    }
}

internal sealed class LineTooLongException(int maxLineBytes) : Exception($"A line is longer than {maxLineBytes} bytes.");
