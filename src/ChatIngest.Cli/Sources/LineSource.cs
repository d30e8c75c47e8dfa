using ChatIngest.Core.Ingest;

namespace ChatIngest.Cli.Sources;

/// <summary>
/// An opened SOURCE: a file, <c>-</c> for stdin, or <c>gs://bucket/object</c>; its length when known (for the ETA).
/// </summary>
internal sealed class LineSource(Stream stream, long? length, IAsyncDisposable? owner = null) : IAsyncDisposable
{
    public const string Help = "NDJSON to send: a file, - for stdin, or gs://bucket/object (honours STORAGE_EMULATOR_HOST).";

    public Stream Stream { get; } = stream;

    public long? Length { get; } = length;

    public static async Task<LineSource> OpenAsync(string source, CliContext context, CancellationToken cancellationToken)
    {
        if (source == "-")
        {
            return new LineSource(context.OpenStandardInput(), null);
        }

        if (source.StartsWith("gs://", StringComparison.Ordinal))
        {
            return await GcsSource.OpenAsync(source, cancellationToken);
        }

        if (Directory.Exists(source))
        {
            throw new IOException("it is a directory; name an NDJSON file in it");
        }

        var file = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return new LineSource(file, file.CanSeek ? file.Length : null); // a pipe (<(…), /dev/stdin, a FIFO) has no length
    }

    public IAsyncEnumerable<NdjsonLine> ReadLinesAsync(CancellationToken cancellationToken) =>
        NdjsonLines.ReadAsync(Stream, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        if (owner is not null)
        {
            await owner.DisposeAsync();
        }
    }
}
