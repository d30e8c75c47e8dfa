using System.Net;

namespace ChatIngest.Cli.Common;

/// <summary>
/// Exponential backoff between a minimum and a maximum, the way a Pub/Sub subscription's retry policy spaces
/// redeliveries: min, 2·min, 4·min, … capped at max. No jitter, so a run is reproducible. A server that asks for a
/// longer wait (<c>Retry-After</c>) gets it, up to max.
/// </summary>
internal sealed record Backoff(TimeSpan Min, TimeSpan Max)
{
    /// <summary>
    /// The wait before attempt <paramref name="failedAttempts"/> + 1: min·2ⁿ⁻¹, or what the last answer asked
    /// (<paramref name="asked"/>) if that is longer; never more than <see cref="Max"/> (--max-backoff), so an answer
    /// cannot hold the run longer than the user allows.
    /// </summary>
    private TimeSpan After(int failedAttempts, TimeSpan? asked)
    {
        var ticks = Math.Max(Min.Ticks * Math.Pow(2, Math.Min(failedAttempts - 1, 30)), asked?.Ticks ?? 0);
        return ticks >= Max.Ticks ? Max : TimeSpan.FromTicks((long)ticks);
    }

    public Task WaitAsync(int failedAttempts, TimeSpan? asked, TimeProvider time, CancellationToken cancellationToken)
    {
        var delay = After(failedAttempts, asked);
        return delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, time, cancellationToken);
    }

    /// <summary>
    /// The wait a 429 or 503 asks for with <c>Retry-After</c>, in delta-seconds or as an HTTP-date, or null when it asks
    /// for none. A date is counted from the answer's own <c>Date</c>, both being the server's clock, so this machine's
    /// clock need not agree with it; from <paramref name="time"/>'s now only when the answer has no Date. A date
    /// already past asks for nothing.
    /// </summary>
    public static TimeSpan? Asked(HttpResponseMessage response, TimeProvider time) =>
        response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is { } retryAfter
            ? retryAfter.Delta ?? retryAfter.Date - (response.Headers.Date ?? time.GetUtcNow())
            : null;
}
