namespace ChatIngest.Cli.Tests.Support;

/// <summary>The publish tests' runs: lines as NDJSON on stdin, short backoffs, against a <see cref="FakePubSub"/>.</summary>
internal static class PublishRun
{
    /// <summary>Order events with realistic (eight-digit) order ids.</summary>
    public static string[] SmallLines(int count) => Ndjson.Orders(count, first: 10_000_001);

    /// <summary>As against the emulator: no credentials.</summary>
    public static Task<CliResult> ToEmulatorAsync(FakePubSub fake, string[] lines, string topic = FakePubSub.Topic, params string[] options) =>
        CliRun.RunAsync(
            ["publish", "-", "--topic", topic, "--min-backoff", "1ms", "--max-backoff", "5ms", .. options],
            new Dictionary<string, string> { ["PUBSUB_EMULATOR_HOST"] = fake.Host },
            Ndjson.Of(lines));
}
