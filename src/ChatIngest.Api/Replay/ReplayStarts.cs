namespace ChatIngest.Api.Replay;

/// <summary>
/// Each replay's start, in whole microseconds, later than every earlier replay's of this service: the start is in each
/// line's message id (<c>replay-{start µs}-{line}</c>), and two replays that started in the same microsecond gave their
/// lines the same ids, so the second one's dead letters were taken for redeliveries of the first one's and dropped.
/// </summary>
internal sealed class ReplayStarts(TimeProvider time)
{
    private long lastMicroseconds = long.MinValue;

    public DateTime Next()
    {
        var micros = (time.GetUtcNow().UtcDateTime - DateTime.UnixEpoch).Ticks / 10;
        while (true)
        {
            var last = Volatile.Read(ref lastMicroseconds);
            var start = Math.Max(micros, last + 1);
            if (Interlocked.CompareExchange(ref lastMicroseconds, start, last) == last)
            {
                return DateTime.UnixEpoch.AddTicks(start * 10);
            }
        }
    }
}
