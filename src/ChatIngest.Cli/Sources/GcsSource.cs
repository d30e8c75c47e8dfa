using System.IO.Pipelines;
using Google.Api.Gax;
using Google.Cloud.Storage.V1;

namespace ChatIngest.Cli.Sources;

/// <summary>
/// Streams a Cloud Storage object without holding it: the client downloads into a pipe that the line reader drains
/// (the pipe pauses the download when the reader falls behind). With <c>STORAGE_EMULATOR_HOST</c> set, the client
/// talks to that emulator without credentials (<see cref="EmulatorDetection.EmulatorOrProduction"/>); otherwise it
/// uses Application Default Credentials.
/// </summary>
internal sealed class GcsSource : IAsyncDisposable
{
    private readonly StorageClient client;
    private readonly Task download;
    private readonly CancellationTokenSource stop;

    private GcsSource(StorageClient client, Task download, CancellationTokenSource stop)
    {
        this.client = client;
        this.download = download;
        this.stop = stop;
    }

    public static async Task<LineSource> OpenAsync(string uri, CancellationToken cancellationToken)
    {
        var (bucket, name) = Parse(uri);
        var client = await new StorageClientBuilder { EmulatorDetection = EmulatorDetection.EmulatorOrProduction }.BuildAsync(cancellationToken);
        var item = await client.GetObjectAsync(bucket, name, cancellationToken: cancellationToken);
        var pipe = new Pipe();
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var download = Task.Run(async () =>
        {
            try
            {
                await client.DownloadObjectAsync(item, pipe.Writer.AsStream(leaveOpen: true), cancellationToken: stop.Token);
                await pipe.Writer.CompleteAsync();
            }
            catch (Exception e)
            {
                // The reader sees the failure at its next read instead of a silently short file.
                await pipe.Writer.CompleteAsync(e);
            }
        }, CancellationToken.None);
        return new LineSource(pipe.Reader.AsStream(), (long?)item.Size, new GcsSource(client, download, stop));
    }

    internal static (string Bucket, string Name) Parse(string uri)
    {
        var rest = uri["gs://".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == rest.Length - 1)
        {
            throw new FormatException("it names no object: use gs://bucket/object, e.g. gs://my-bucket/conversations.ndjson");
        }

        return (rest[..slash], rest[(slash + 1)..]);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await download;
        stop.Dispose();
        client.Dispose();
    }
}
