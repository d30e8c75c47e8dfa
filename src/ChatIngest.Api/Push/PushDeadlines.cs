using System.Collections.Concurrent;
using ChatIngest.Core.Ingest;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Push;

/// <summary>
/// Ends the wait of every push whose commit did not come within <see cref="PushOptions.Deadline"/>, so the push is
/// answered 503 and Pub/Sub delivers it again. One timer sweeps the waiting pushes in arrival order (every push has the
/// same deadline, so the oldest is due first) instead of one timer per push, which cost about 3 µs of CPU a push
/// (docs/performance.md). A push is answered at most one sweep period late.
/// The sweep never peeks into the queue: <see cref="ConcurrentQueue{T}.TryPeek"/> marks the queue's segment "preserved
/// for observation", whose slots are then not cleared as they are dequeued, so every answered push (and its data, up to
/// 10 MB a dead letter) stayed reachable until the segment, of up to a million slots, filled. The oldest push not yet
/// due is dequeued instead and kept aside until the next sweep.
/// </summary>
internal sealed class PushDeadlines : IDisposable
{
    private readonly ConcurrentQueue<(WriteRequest Request, long Due)> waiting = new();
    private readonly Lock sweeping = new();
    private readonly TimeProvider time;
    private readonly long deadlineTicks;
    private readonly ITimer timer;

    /// <summary>The oldest push, dequeued by a sweep while neither answered nor due; only a sweep touches it.</summary>
    private (WriteRequest Request, long Due)? oldest;

    public PushDeadlines(IOptions<PushOptions> options, TimeProvider time)
    {
        this.time = time;
        var deadline = options.Value.Deadline;
        deadlineTicks = (long)(deadline.TotalSeconds * time.TimestampFrequency);
        Period = TimeSpan.FromTicks(Math.Clamp(deadline.Ticks / 10, TimeSpan.TicksPerMillisecond * 5, TimeSpan.TicksPerMillisecond * 50));
        timer = time.CreateTimer(static state => ((PushDeadlines)state!).Sweep(), this, Period, Period);
    }

    /// <summary>How often the waiting pushes are swept: a tenth of the deadline, between 5 and 50 ms.</summary>
    public TimeSpan Period { get; }

    /// <summary>Starts the clock of a push that was just queued.</summary>
    public void Watch(WriteRequest request) => waiting.Enqueue((request, time.GetTimestamp() + deadlineTicks));

    /// <summary>Forgets answered pushes and expires the overdue ones, oldest first.</summary>
    internal void Sweep()
    {
        if (!sweeping.TryEnter())
        {
            return; // the previous sweep is still running
        }

        try
        {
            var now = time.GetTimestamp();
            while (oldest is { } head || waiting.TryDequeue(out head))
            {
                if (!head.Request.Completion.IsCompleted && head.Due > now)
                {
                    oldest = head;
                    return;
                }

                oldest = null;
                if (!head.Request.Completion.IsCompleted)
                {
                    head.Request.Expire();
                }
            }
        }
        finally
        {
            sweeping.Exit();
        }
    }

    public void Dispose() => timer.Dispose();
}
