using System.Globalization;
using ChatIngest.Cli.Tests.Support;
using ChatIngest.Tests.Support;

namespace ChatIngest.Cli.Tests.Cli;

/// <summary>
/// A 429 or 503 with Retry-After holds the retry back at least that long, up to --max-backoff. Time is a
/// <see cref="WatchedTime"/> watching for the wait expected: the test sees it begin, sees that nothing was sent again
/// meanwhile, and moves time past it.
/// </summary>
public sealed class RetryAfterTests
{
    /// <summary>Only a guard against hanging: each wait ends as soon as what it waits for happens.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static readonly byte[] OneLine = Ndjson.Of(Ndjson.Orders(1));

    /// <summary>
    /// Replays one line to an endpoint that answers its first delivery <paramref name="status"/> with the Retry-After
    /// <paramref name="retryAfter"/> gives (from the run's clock), then 204; passes once the retry has waited <paramref name="wait"/>.
    /// The answer's Date is the endpoint's clock: the run's, or with <paramref name="serverClock"/> an hour ahead of it.
    /// </summary>
    private static async Task<(int ExitCode, string Error, int Deliveries)> ReplayAsync(
        int status, Func<DateTimeOffset, string> retryAfter, TimeSpan wait, string minBackoff = "1ms", string maxBackoff = "60s", bool serverClock = false)
    {
        var time = new WatchedTime(wait);
        var deliveries = 0;
        await using var server = await LoopbackServer.StartAsync(http =>
        {
            var first = Interlocked.Increment(ref deliveries) == 1;
            http.Response.StatusCode = first ? status : 204;
            if (first)
            {
                var now = serverClock ? time.GetUtcNow().AddHours(1) : time.GetUtcNow();
                http.Response.Headers.RetryAfter = retryAfter(now);
                http.Response.Headers.Date = now.ToString("r", CultureInfo.InvariantCulture); // in place of Kestrel's, from the real clock
            }

            return Task.CompletedTask;
        });
        var error = new StringWriter();
        var waiting = time.NextTimerSet;

        var run = CliApp.RunAsync(
            ["replay", "-", "--to", new Uri(server.Address, "/pubsub/push").ToString(), "--concurrency", "1", "--min-backoff", minBackoff, "--max-backoff", maxBackoff],
            CliRun.Context(error: error, stdin: OneLine, time: time));
        await waiting.WaitAsync(Guard); // the retry's wait has begun, and is the one expected
        Assert.Equal(1, Volatile.Read(ref deliveries));
        time.Advance(wait);

        return (await run.WaitAsync(Guard), error.ToString(), Volatile.Read(ref deliveries));
    }

    [Theory]
    [InlineData(503, false, false)]
    [InlineData(429, false, false)]
    [InlineData(503, true, false)]
    [InlineData(503, true, true)] // the date counted from the answer's Date, not from this machine's clock an hour behind
    public async Task AReplayedLineAnswered429Or503WithRetryAfterIsSentAgainNoSoonerThanItAsks(int status, bool asHttpDate, bool serverClock)
    {
        var (exitCode, error, deliveries) = await ReplayAsync(
            status, now => asHttpDate ? now.AddSeconds(30).ToString("r", CultureInfo.InvariantCulture) : "30", TimeSpan.FromSeconds(30), serverClock: serverClock);

        Assert.True(exitCode == 0, error);
        Assert.Equal(2, deliveries);
        Assert.Contains("replay: read 1 lines; sent 1, acknowledged 1, retried 1, failed 0", error.Split('\n'));
    }

    [Fact]
    public async Task ARetryAfterLongerThanMaxBackoffIsWaitedOnlyUpToMaxBackoff()
    {
        var (exitCode, error, deliveries) = await ReplayAsync(503, _ => "3600", TimeSpan.FromSeconds(60), maxBackoff: "60s");

        Assert.True(exitCode == 0, error);
        Assert.Equal(2, deliveries);
    }

    [Fact]
    public async Task ARetryAfterShorterThanTheBackoffDoesNotShortenIt()
    {
        var (exitCode, error, deliveries) = await ReplayAsync(503, _ => "1", TimeSpan.FromSeconds(20), minBackoff: "20s");

        Assert.True(exitCode == 0, error);
        Assert.Equal(2, deliveries);
    }

    [Fact]
    public async Task APublishAnswered429WithRetryAfterIsSentAgainNoSoonerThanItAsks()
    {
        await using var fake = await FakePubSub.StartAsync(429);
        fake.RetryAfter = "30";
        var time = new WatchedTime(TimeSpan.FromSeconds(30));
        var error = new StringWriter();
        var waiting = time.NextTimerSet;

        var run = CliApp.RunAsync(["publish", "-", "--topic", FakePubSub.Topic, "--min-backoff", "1ms"],
            CliRun.Context(error: error, stdin: OneLine, time: time, environment: new Dictionary<string, string> { ["PUBSUB_EMULATOR_HOST"] = fake.Host }));
        await waiting.WaitAsync(Guard); // the retry's wait has begun, and is the one Retry-After asked for
        Assert.Equal(1, fake.Attempts);
        time.Advance(TimeSpan.FromSeconds(30));

        Assert.True(await run.WaitAsync(Guard) == 0, error.ToString());
        Assert.Equal(2, fake.Attempts);
        Assert.Single(fake.Accepted);
    }
}
