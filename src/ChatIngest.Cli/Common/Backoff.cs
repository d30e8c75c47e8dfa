namespace ChatIngest.Cli.Common;

/// <summary>
/// Exponential backoff between a minimum and a maximum, the way a Pub/Sub subscription's retry policy spaces
/// redeliveries: min, 2·min, 4·min, … capped at max. No jitter, so a run is reproducible.
/// </summary>
internal sealed record Backoff(TimeSpan Min, TimeSpan Max)
{
    /// <summary>The wait before attempt <paramref name="failedAttempts"/> + 1.</summary>
    public TimeSpan After(int failedAttempts)
    {
        var exponent = Math.Min(failedAttempts - 1, 30);
        var ticks = Min.Ticks * Math.Pow(2, exponent);
        return ticks >= Max.Ticks ? Max : TimeSpan.FromTicks((long)ticks);
    }

    public Task WaitAsync(int failedAttempts, TimeProvider time, CancellationToken cancellationToken)
    {
        var delay = After(failedAttempts);
        return delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, time, cancellationToken);
    }
}
