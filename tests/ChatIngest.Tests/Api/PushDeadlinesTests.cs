using System.Runtime.CompilerServices;
using ChatIngest.Api.Push;
using ChatIngest.Core.Ingest;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ChatIngest.Tests.Api;

public sealed class PushDeadlinesTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(8);
    private readonly FakeTimeProvider time = new(IngestRecords.Published);
    private readonly PushDeadlines deadlines;

    public PushDeadlinesTests() =>
        deadlines = new PushDeadlines(Options.Create(new PushOptions { Deadline = Deadline }), time);

    public void Dispose() => deadlines.Dispose();

    private static WriteRequest NewRequest() => new([IngestRecords.Classify("""{"orderId":1,"cityCode":"IST"}""", "1")], 30);

    [Fact]
    public void AnAnsweredPushIsNoLongerReachableOnceASweepHasPassedIt()
    {
        var answered = WatchAndAnswer(); // a push's request holds its records: a dead letter's data is up to 10 MB
        time.Advance(deadlines.Period);
        deadlines.Watch(NewRequest()); // the pushes that come after it
        time.Advance(deadlines.Period);

        Assert.False(Reachability.IsReachable(answered), "the sweeper still holds an answered push");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private WeakReference WatchAndAnswer()
    {
        var request = NewRequest();
        deadlines.Watch(request);
        request.Succeed(new WriteSummary(1, 0, 0, 0));
        return new WeakReference(request);
    }

    [Fact]
    public void APushStillWaitingAtItsDeadlineTimesOutWithinOneSweep()
    {
        var request = NewRequest();
        deadlines.Watch(request);

        time.Advance(Deadline - TimeSpan.FromMilliseconds(1));
        Assert.False(request.Completion.IsCompleted);

        time.Advance(deadlines.Period + TimeSpan.FromMilliseconds(1));
        Assert.IsType<TimeoutException>(request.Completion.Exception?.InnerException);
    }

    [Fact]
    public void OnlyThePushesThatAreDueTimeOutOldestFirst()
    {
        var older = NewRequest();
        deadlines.Watch(older);
        time.Advance(TimeSpan.FromSeconds(4));
        var newer = NewRequest();
        deadlines.Watch(newer);

        time.Advance(TimeSpan.FromSeconds(4) + deadlines.Period);

        Assert.True(older.Completion.IsFaulted);
        Assert.False(newer.Completion.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.True(newer.Completion.IsFaulted);
    }

    [Fact]
    public void APushCommittedInTimeKeepsItsAnswer()
    {
        var request = NewRequest();
        deadlines.Watch(request);
        request.Succeed(new WriteSummary(1, 0, 0, 0));

        time.Advance(Deadline * 2);

        Assert.True(request.Completion.IsCompletedSuccessfully);
    }
}
