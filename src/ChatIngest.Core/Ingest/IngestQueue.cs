using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// The bounded queue in front of the one writer. Pushes never wait for room: a full queue means 503 now, so Pub/Sub
/// backs off instead of requests piling up in memory. Replays, being streams, wait for room.
/// </summary>
public sealed class IngestQueue(IOptions<IngestOptions> options)
{
    private readonly Channel<WriteRequest> channel = Channel.CreateBounded<WriteRequest>(
        new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });

    public ChannelReader<WriteRequest> Reader => channel.Reader;

    /// <summary>Requests waiting for the writer.</summary>
    public int Depth => channel.Reader.Count;

    private volatile bool closed;

    /// <summary>Whether <see cref="Close"/> was called: the service is stopping.</summary>
    public bool IsClosed => closed;

    /// <summary>False when the queue is full or closed for shutdown (<see cref="IsClosed"/> tells which).</summary>
    public bool TryEnqueue(WriteRequest request) => channel.Writer.TryWrite(request);

    /// <summary>Waits for room; throws <see cref="ChannelClosedException"/> once the queue is closed.</summary>
    public ValueTask EnqueueAsync(WriteRequest request, CancellationToken cancellationToken) =>
        channel.Writer.WriteAsync(request, cancellationToken);

    /// <summary>Stops accepting; what is queued is still written.</summary>
    public void Close()
    {
        closed = true;
        channel.Writer.TryComplete();
    }
}
