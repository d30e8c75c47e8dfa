using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace ChatIngest.Core.Ingest;

/// <summary>
/// The bounded queue in front of the one writer, bounded by requests (<see cref="IngestOptions.QueueCapacity"/>) and by
/// the bytes they came in as (<see cref="IngestOptions.QueueCapacityBytes"/>). Pushes never wait for room: a full
/// queue means 503 now, so Pub/Sub backs off instead of requests piling up in memory. Replays, being streams, wait for
/// room by count (each replay holds a few chunks at a time), and their bytes count against the pushes' room.
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

    private readonly long capacityBytes = options.Value.QueueCapacityBytes;
    private long queuedBytes;

    /// <summary>
    /// Waits until a request is queued or the queue is closed and empty (false). The writer's alone, with
    /// <see cref="TryPeek"/> and <see cref="TryTake"/>: a read past these would not give its request's bytes back.
    /// </summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => channel.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Requests waiting for the writer.</summary>
    public int Depth => channel.Reader.Count;

    /// <summary>The bytes of the requests waiting for the writer.</summary>
    public long DepthBytes => Interlocked.Read(ref queuedBytes);

    private volatile bool closed;

    /// <summary>Whether <see cref="Close"/> was called: the service is stopping.</summary>
    public bool IsClosed => closed;

    /// <summary>
    /// False when the queue is full, by count or by bytes, or closed for shutdown (<see cref="IsClosed"/> tells which).
    /// While the queue holds less than its bytes, a request is taken whole whatever its size (so it may pass them by
    /// one request): else a message larger than the room left, or than the room itself, would be refused at every
    /// delivery while other pushes keep the queue from emptying.
    /// </summary>
    public bool TryEnqueue(WriteRequest request)
    {
        // Room is claimed only where there is some: a push being refused never makes another look refused.
        var queued = Interlocked.Read(ref queuedBytes);
        while (true)
        {
            if (queued >= capacityBytes)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref queuedBytes, queued + request.Bytes, queued);
            if (seen == queued)
            {
                break;
            }

            queued = seen;
        }

        if (!channel.Writer.TryWrite(request))
        {
            Interlocked.Add(ref queuedBytes, -request.Bytes);
            return false;
        }

        return true;
    }

    /// <summary>Waits for room by count; throws <see cref="ChannelClosedException"/> once the queue is closed.</summary>
    public async ValueTask EnqueueAsync(WriteRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref queuedBytes, request.Bytes);
        try
        {
            await channel.Writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Interlocked.Add(ref queuedBytes, -request.Bytes);
            throw;
        }
    }

    /// <summary>The next request, if there is one, left in the queue (the writer's alone: it is the one reader).</summary>
    public bool TryPeek(out WriteRequest request) => channel.Reader.TryPeek(out request!);

    /// <summary>Takes the next request off the queue (the writer's alone), giving back its room.</summary>
    public bool TryTake(out WriteRequest request)
    {
        if (!channel.Reader.TryRead(out request!))
        {
            return false;
        }

        Interlocked.Add(ref queuedBytes, -request.Bytes);
        return true;
    }

    /// <summary>Stops accepting; what is queued is still written.</summary>
    public void Close()
    {
        closed = true;
        channel.Writer.TryComplete();
    }
}
