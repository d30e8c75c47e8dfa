using System.Buffers;
using System.IO.Pipelines;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// Skips a UTF-8 byte order mark at the start of an NDJSON stream. Editors and Windows PowerShell put one at the start
/// of files they save as UTF-8; JSON parsers may ignore it (RFC 8259 §8.1), and without this it would make the first
/// line "not JSON".
/// </summary>
public static class Utf8ByteOrderMark
{
    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// Reads until the stream's first three bytes are known (or it ends), and consumes them if they are the mark.
    /// Nothing else is consumed: the next read starts at the first byte after the mark, or at the stream's start.
    /// </summary>
    public static async ValueTask SkipAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (buffer.Length >= Bom.Length || result.IsCompleted)
            {
                reader.AdvanceTo(StartsWithBom(buffer) ? buffer.GetPosition(Bom.Length) : buffer.Start);
                return;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static bool StartsWithBom(ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < Bom.Length)
        {
            return false;
        }

        Span<byte> first = stackalloc byte[3];
        buffer.Slice(0, Bom.Length).CopyTo(first);
        return first.SequenceEqual(Bom);
    }
}
