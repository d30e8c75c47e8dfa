using ChatIngest.Cli.Tests.Support;

namespace ChatIngest.Cli.Tests.Publish;

/// <summary>publish reading a SOURCE that trickles, as <c>tail -f app.log | publish -</c> gives it.</summary>
public sealed class PublishFromAPipeTests
{
    /// <summary>Only a guard against hanging: each wait ends as soon as what it waits for happens.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static string[] Lines(int from, int count) => Ndjson.Orders(count, first: 10_000_000 + from);

    [Fact]
    public async Task APartialBatchIsPublishedOnceItsFirstLineHasWaitedMaxDelay()
    {
        await using var fake = await FakePubSub.StartAsync();
        using var stdin = new PipeStdin();
        var time = new WatchedTime(TimeSpan.FromSeconds(2));
        var error = new StringWriter();
        var context = CliRun.Context(error: error, time: time, stdinStream: stdin,
            environment: new Dictionary<string, string> { ["PUBSUB_EMULATOR_HOST"] = fake.Host });
        var waiting = time.NextTimerSet;

        var run = CliApp.RunAsync(["publish", "-", "--topic", FakePubSub.Topic, "--max-delay", "2s"], context);
        await stdin.WriteLinesAsync(Lines(1, 3));
        await waiting.WaitAsync(Guard); // three lines in hand, and no more to read: the wait for the fourth has begun
        var published = fake.NextAcceptedAsync();
        Assert.False(published.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(Lines(1, 3), (await published.WaitAsync(Guard)).Data);
        await stdin.WriteLinesAsync(Lines(4, 2));
        stdin.End();
        Assert.True(await run.WaitAsync(Guard) == 0, error.ToString());
        Assert.Equal([3, 2], fake.Accepted.Select(r => r.Data.Count));
        Assert.Equal(Lines(1, 5), fake.Messages);
    }
}
