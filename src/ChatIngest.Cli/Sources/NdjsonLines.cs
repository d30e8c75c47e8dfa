using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Cli.Sources;

/// <summary>
/// A SOURCE's lines, read as the service reads a replay body (<see cref="NdjsonLineReader"/>: raw bytes, a byte order
/// mark at the start skipped, a compressed file refused before any line). A line over <see cref="MaxLineBytes"/>
/// (Pub/Sub's message limit) is read past and comes as <see cref="NdjsonLine.TooLong"/>: it cannot be sent, the rest can.
/// </summary>
internal static class NdjsonLines
{
    public const int MaxLineBytes = 10 * 1024 * 1024;

    public static async IAsyncEnumerable<NdjsonLine> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 1 << 16, leaveOpen: true));
        try
        {
            await foreach (var line in NdjsonLineReader.ReadLinesAsync(reader, MaxLineBytes, cancellationToken, TooLongLines.Yield))
            {
                yield return line;
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }
}
