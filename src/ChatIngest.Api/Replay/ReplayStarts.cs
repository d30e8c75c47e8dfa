namespace ChatIngest.Api.Replay;

/// <summary>
/// Each replay's start, in whole microseconds since the Unix epoch, later than every earlier replay's of this service:
/// the start is in each line's message id (<c>replay-{start µs}-{line}</c>), and two replays that started in the same
/// microsecond gave their lines the same ids, so the second one's dead letters were taken for redeliveries of the first
/// one's and dropped.
/// </summary>
internal sealed class ReplayStarts(TimeProvider time)
{
    private readonly Lock gate = new();
    private long lastMicroseconds = long.MinValue;

    public long Next()
    {
        var now = (time.GetUtcNow().UtcDateTime - DateTime.UnixEpoch).Ticks / 10;
        lock (gate)
        {
            lastMicroseconds = Math.Max(now, lastMicroseconds + 1);
            return lastMicroseconds;
        }
    }
}
