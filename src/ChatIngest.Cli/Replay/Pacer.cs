namespace ChatIngest.Cli.Replay;

/// <summary>
/// Spaces sends at a steady rate: the n-th send may start at start + n / rate. A slow stretch is not made up with a
/// burst beyond what the schedule allows.
/// </summary>
internal sealed class Pacer(double perSecond, TimeProvider time)
{
    private readonly long started = time.GetTimestamp();
    private long count;

    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        var due = TimeSpan.FromSeconds(count++ / perSecond);
        var wait = due - time.GetElapsedTime(started);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken);
        }
    }
}
