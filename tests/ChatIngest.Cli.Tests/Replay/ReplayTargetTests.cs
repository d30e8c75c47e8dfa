using ChatIngest.Cli.Tests.Support;

namespace ChatIngest.Cli.Tests.Replay;

public sealed class ReplayTargetTests
{
    [Theory]
    [InlineData("http://127.0.0.1:9/pubsub/push/unwrapped", "--to ends in /pubsub/push/unwrapped, which takes unwrapped deliveries: add --unwrapped, or replay to …/pubsub/push.")]
    [InlineData("http://127.0.0.1:9/pubsub/push", "--unwrapped sends the line itself, but --to ends in /pubsub/push, which takes wrapped envelopes: replay to …/pubsub/push/unwrapped, or leave out --unwrapped.", "--unwrapped")]
    [InlineData("http://127.0.0.1:9/pubsub/push/", "--unwrapped sends the line itself, but --to ends in /pubsub/push, which takes wrapped envelopes: replay to …/pubsub/push/unwrapped, or leave out --unwrapped.", "--unwrapped")]
    [InlineData("http://127.0.0.1:9/replay", "--to ends in /replay, which takes the NDJSON file itself, not push deliveries: send the file there with e.g. curl -H 'Content-Type: application/x-ndjson' --data-binary @FILE http://127.0.0.1:9/replay, or replay to …/pubsub/push.")]
    [InlineData("http://127.0.0.1:9/replay", "--to ends in /replay, which takes the NDJSON file itself, not push deliveries: send the file there with e.g. curl -H 'Content-Type: application/x-ndjson' --data-binary @FILE http://127.0.0.1:9/replay, or replay to …/pubsub/push.", "--unwrapped")]
    public async Task AnEndpointThatTakesAnotherFormIsAUsageErrorSayingWhichToUse(string to, string error, params string[] options)
    {
        var result = await CliRun.RunAsync(["replay", "-", "--to", to, .. options], stdin: "{}\n"u8.ToArray());

        Assert.Equal(2, result.ExitCode);
        Assert.Equal([error, "Run 'replay --help' for its options and examples."], result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
