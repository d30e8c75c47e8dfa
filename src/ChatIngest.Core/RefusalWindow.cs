namespace ChatIngest.Core;

/// <summary>
/// One kind of refusal (of a push, or of a read BigQuery would bill past its limit), logged at most once a window.
/// Under overload or an outage Pub/Sub pushes thousands a second, and a dashboard asks every 3 s: a warning each buried
/// every other line (and is billed by Cloud Logging). The first refusal after a quiet window gets its own line (a push's
/// with its message id); the ones after it are counted, and the count is logged as one line when the window ends (or
/// when the service stops). The metrics count every refused push either way.
/// </summary>
internal sealed class RefusalWindow : IDisposable
{
    private readonly Lock gate = new();
    private readonly TimeProvider time;
    private readonly TimeSpan window;
    private readonly Action<long, double> logCount;
    private readonly ITimer timer;
    private long lastLineAt;
    private bool anyLine;
    private long counted;

    /// <param name="logCount">Logs how many refusals were counted, and over how many seconds.</param>
    public RefusalWindow(TimeProvider time, TimeSpan window, Action<long, double> logCount)
    {
        this.time = time;
        this.window = window;
        this.logCount = logCount;
        timer = time.CreateTimer(static state => ((RefusalWindow)state!).Flush(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>True when this refusal gets a line of its own; false when it was counted for the window's line.</summary>
    public bool Take()
    {
        lock (gate)
        {
            var now = time.GetTimestamp();
            var sinceLine = time.GetElapsedTime(lastLineAt, now);
            if (!anyLine || (counted == 0 && sinceLine >= window))
            {
                anyLine = true;
                lastLineAt = now;
                return true;
            }

            if (counted++ == 0)
            {
                timer.Change(sinceLine >= window ? TimeSpan.Zero : window - sinceLine, Timeout.InfiniteTimeSpan);
            }

            return false;
        }
    }

    /// <summary>Logs what was counted but not yet logged: the stopping service's last word on it.</summary>
    public void Dispose()
    {
        timer.Dispose();
        Flush();
    }

    private void Flush()
    {
        long count;
        double seconds;
        lock (gate)
        {
            count = counted;
            var now = time.GetTimestamp();
            seconds = time.GetElapsedTime(lastLineAt, now).TotalSeconds;
            counted = 0;
            lastLineAt = now;
        }

        if (count > 0)
        {
            logCount(count, Math.Round(seconds, 1));
        }
    }
}
