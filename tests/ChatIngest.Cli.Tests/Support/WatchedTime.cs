using Microsoft.Extensions.Time.Testing;

namespace ChatIngest.Cli.Tests.Support;

/// <summary>
/// Controlled time (a <see cref="FakeTimeProvider"/>) that says when a timer of one due time is set: a test can then
/// move time past a wait it knows has begun, instead of guessing when the code under test got there.
/// </summary>
internal sealed class WatchedTime(TimeSpan watched) : TimeProvider
{
    private readonly FakeTimeProvider time = new();
    private TaskCompletionSource set = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the next timer of the watched due time is set.</summary>
    public Task NextTimerSet => Volatile.Read(ref set).Task;

    public override long TimestampFrequency => time.TimestampFrequency;

    public void Advance(TimeSpan by) => time.Advance(by);

    public override DateTimeOffset GetUtcNow() => time.GetUtcNow();

    public override long GetTimestamp() => time.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = time.CreateTimer(callback, state, dueTime, period);
        if (dueTime == watched)
        {
            Interlocked.Exchange(ref set, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        return timer;
    }
}
