using System.Buffers;
using System.IO.Pipelines;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// What the first bytes of an NDJSON stream (a replay body, a CLI source) say before its lines are read.
/// A UTF-8 byte order mark there belongs to the file, not to its first line: editors and Windows PowerShell put one at
/// the start of files they save as UTF-8, and JSON parsers may ignore it (RFC 8259 §8.1). A compressed file is not
/// NDJSON at all: read as lines, its bytes would become invalid messages, so the caller refuses it instead.
/// </summary>
public static class NdjsonStart
{
    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    // Magic numbers that cannot begin UTF-8 text (each has a byte no UTF-8 text starts with or continues with there).
    private static readonly (string Name, byte[] Magic, string Decompress, string Extension)[] Compressed =
    [
        ("gzip", [0x1F, 0x8B], "gunzip -c", ".gz"),
        ("zstd", [0x28, 0xB5, 0x2F, 0xFD], "zstd -dc", ".zst"),
        ("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "xz -dc", ".xz"),
    ];

    // Every format with a command to decompress it: those above, and those only a Content-Encoding names (brotli has
    // no magic number).
    private static readonly (string Name, string Decompress, string Extension)[] Decompressors =
        [.. Compressed.Select(c => (c.Name, c.Decompress, c.Extension)), ("br", "brotli -dc", ".br")];

    /// <summary>
    /// The command that writes a file of <paramref name="format"/> (as <see cref="ReadAsync"/> or a Content-Encoding
    /// names it) to stdout decompressed, and the file's usual extension; null for a format with no such command here.
    /// </summary>
    public static (string Command, string Extension)? Decompression(string format)
    {
        var name = format.Equals("x-gzip", StringComparison.OrdinalIgnoreCase) ? "gzip" : format; // RFC 9110 §8.4.1.3
        var (_, command, extension) = Array.Find(Decompressors, d => d.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        return command is null ? null : (command, extension);
    }

    private static readonly int LongestMagic = Compressed.Max(c => c.Magic.Length);

    // Byte order marks of the other Unicode encodings (Windows PowerShell 5.1's > and Out-File write UTF-16LE): read as
    // UTF-8, every line of such a file would be parked as an invalid message. UTF-32LE's mark begins with UTF-16LE's.
    private static readonly (string Name, byte[] Mark)[] OtherEncodings =
    [
        ("UTF-32LE", [0xFF, 0xFE, 0x00, 0x00]),
        ("UTF-32BE", [0x00, 0x00, 0xFE, 0xFF]),
        ("UTF-16LE", [0xFF, 0xFE]),
        ("UTF-16BE", [0xFE, 0xFF]),
    ];

    /// <summary>
    /// The encoding a stream starting with <paramref name="bytes"/> is in, by its byte order mark, when that is a
    /// Unicode encoding other than UTF-8 (UTF-16LE, UTF-16BE, UTF-32LE, UTF-32BE); else null.
    /// </summary>
    private static string? OtherEncoding(ReadOnlySequence<byte> bytes) =>
        OtherEncodings.FirstOrDefault(e => StartsWith(bytes, e.Mark)).Name;

    /// <summary>
    /// Consumes a UTF-8 byte order mark at the stream's start, if there is one. Returns the name of the compressed
    /// format the stream starts with (gzip, zstd, xz), or null for anything else; nothing else is consumed. Throws
    /// <see cref="NotUtf8NdjsonException"/> for a stream that starts with another Unicode encoding's mark.
    /// </summary>
    public static async ValueTask<string?> ReadAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        var result = await reader.ReadAtLeastAsync(Bom.Length + LongestMagic, cancellationToken);
        var buffer = result.Buffer;
        ThrowIfCancelled(reader, result);

        if (OtherEncoding(buffer) is { } encoding)
        {
            reader.AdvanceTo(buffer.Start);
            throw new NotUtf8NdjsonException(encoding);
        }

        var start = StartsWith(buffer, Bom) ? buffer.GetPosition(Bom.Length) : buffer.Start;
        var rest = buffer.Slice(start);
        var compressed = Compressed.FirstOrDefault(c => StartsWith(rest, c.Magic)).Name;
        reader.AdvanceTo(start);
        return compressed;
    }

    /// <summary>
    /// Ends the lines where the caller cancelled the pending read (<see cref="PipeReader.CancelPendingRead"/>: a service
    /// stopping), the read ended first so the reader is left between reads, as Kestrel needs it to drain a body.
    /// </summary>
    internal static void ThrowIfCancelled(PipeReader reader, ReadResult result)
    {
        if (result.IsCanceled)
        {
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            throw new OperationCanceledException("The read was cancelled (PipeReader.CancelPendingRead).");
        }
    }

    private static bool StartsWith(ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> prefix)
    {
        if (buffer.Length < prefix.Length)
        {
            return false;
        }

        Span<byte> first = stackalloc byte[prefix.Length];
        buffer.Slice(0, prefix.Length).CopyTo(first);
        return first.SequenceEqual(prefix);
    }
}
