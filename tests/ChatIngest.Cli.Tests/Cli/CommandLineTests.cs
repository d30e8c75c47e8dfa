using System.CommandLine;
using ChatIngest.Cli.Tests.Support;

namespace ChatIngest.Cli.Tests.Cli;

public sealed class CommandLineTests
{
    [Theory]
    [InlineData("generate", "--bogus")]
    [InlineData("generate")]
    [InlineData("generate", "-n", "0")]
    [InlineData("generate", "-n", "10", "--duplicates", "1.5")]
    [InlineData("generate", "-n", "10", "--start", "yesterday")]
    [InlineData("replay", "file.ndjson")]
    [InlineData("replay", "file.ndjson", "--to", "not-a-url")]
    [InlineData("replay", "file.ndjson", "--to", "http://localhost/pubsub/push", "--min-backoff", "5parsecs")]
    [InlineData("replay", "file.ndjson", "--to", "http://localhost/pubsub/push", "--min-backoff", "2m", "--max-backoff", "1s")]
    [InlineData("publish", "file.ndjson", "--topic", "chat")]
    [InlineData("nonsense")]
    public async Task UsageErrorsExitWithTwoAndSayWhatIsWrong(params string[] args)
    {
        var result = await CliRun.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.NotEmpty(result.Error);
    }

    [Theory]
    [InlineData("--conversations", "generate", "-n", "abc")]
    [InlineData("--shuffle", "generate", "-n", "1", "--shuffle", "abc")]
    [InlineData("--duplicates", "generate", "-n", "1", "--duplicates", "abc")]
    [InlineData("--duplicates", "generate", "-n", "1", "--duplicates", "NaN")]
    [InlineData("--concurrency", "replay", "-", "--to", "http://localhost/pubsub/push", "-c", "abc")]
    [InlineData("--max-attempts", "replay", "-", "--to", "http://localhost/pubsub/push", "--max-attempts", "abc")]
    [InlineData("--rate", "replay", "-", "--to", "http://localhost/pubsub/push", "--rate", "abc")]
    [InlineData("--rate", "replay", "-", "--to", "http://localhost/pubsub/push", "--rate", "1e-300")]
    [InlineData("99999999999999999h", "replay", "-", "--to", "http://localhost/pubsub/push", "--max-backoff", "99999999999999999h")]
    [InlineData("NaNms", "replay", "-", "--to", "http://localhost/pubsub/push", "--min-backoff", "NaNms")] // double.TryParse takes "NaN"
    [InlineData("Infinitys", "publish", "-", "--topic", "projects/p/topics/chat", "--max-delay", "Infinitys")]
    [InlineData("--max-attempts", "publish", "-", "--topic", "projects/p/topics/chat", "--max-attempts", "1.5")]
    [InlineData("--from-line", "replay", "-", "--to", "http://localhost/pubsub/push", "--from-line", "0")]
    public async Task AValueThatIsNotANumberInRangeIsAUsageErrorNamingIt(string named, params string[] args)
    {
        var result = await CliRun.RunAsync(args);

        // The error, then where help is; not help itself, whose lines would scroll the error out of sight.
        Assert.Equal(2, result.ExitCode);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(named, lines[0], StringComparison.Ordinal);
        Assert.Equal($"Run '{args[0]} --help' for its options and examples.", lines[1]);
        Assert.Empty(result.Out);
    }

    [Theory]
    [InlineData("--ack-deadline must be from 1ms to 10m, not 0s.", "replay", "--ack-deadline", "0s")]
    [InlineData("--ack-deadline must be from 1ms to 10m, not 100000000h.", "replay", "--ack-deadline", "100000000h")]
    [InlineData("--max-backoff must be from 0ms to 1h, not 1300h.", "publish", "--max-backoff", "1300h")]
    [InlineData("--max-delay must be from 0ms to 1h, not 2h.", "publish", "--max-delay", "2h")]
    [InlineData("--min-backoff must be from 0ms to 1h, not 61m.", "replay", "--min-backoff", "61m", "--max-backoff", "1h")]
    public async Task ADurationOutOfItsRangeIsAUsageErrorThatSaysTheRange(string error, string command, params string[] options)
    {
        string[] target = command == "replay" ? ["--to", "http://127.0.0.1:9/pubsub/push"] : ["--topic", "projects/p/topics/chat"];

        var result = await CliRun.RunAsync([command, "-", .. target, .. options], new Dictionary<string, string> { ["PUBSUB_EMULATOR_HOST"] = "127.0.0.1:9" });

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(error, result.Error.Split('\n'));
    }

    [Fact]
    public async Task ABareZeroIsADuration()
    {
        // Help and the README give the ranges "from 0": a 0 without a unit is taken.
        var result = await CliRun.RunAsync(["replay", "-", "--to", "http://127.0.0.1:9/pubsub/push", "--min-backoff", "0", "--max-backoff", "0"], stdin: []);

        Assert.True(result.ExitCode == 0, result.Error);
    }

    [Theory]
    [InlineData("--token contains a line break; was it read from a file with CRLF?", "--token", "secret-token\r")]
    [InlineData("--token contains a control character.", "--token", "secret\ttoken")]
    [InlineData("--subscription contains a line break; was it read from a file with CRLF?", "--subscription", "projects/p/subscriptions/a\nb", "--unwrapped")]
    [InlineData("--token contains a character that is not ASCII, which an HTTP header cannot carry.", "--token", "secr\u00e9t")]
    public async Task ATokenOrSubscriptionThatCannotGoInAHeaderIsAUsageError(string error, params string[] options)
    {
        var result = await CliRun.RunAsync(["replay", "-", "--to", "http://127.0.0.1:9/push", .. options], stdin: "{}\n"u8.ToArray());

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(error, result.Error.Split('\n'));
    }

    [Theory]
    [InlineData(0, "replay", "--min-backoff", "500ms")] // default --max-backoff 60s
    [InlineData(0, "replay", "--max-backoff", "5s")] // default --min-backoff 1s
    [InlineData(2, "replay", "--max-backoff", "500ms")]
    [InlineData(0, "publish", "--min-backoff", "500ms")]
    [InlineData(2, "publish", "--min-backoff", "2m")]
    public async Task ABackoffGivenAloneIsComparedWithTheOtherOnesDefault(int exitCode, string command, string option, string value)
    {
        string[] target = command == "replay" ? ["--to", "http://127.0.0.1:9/pubsub/push"] : ["--topic", "projects/p/topics/chat"];

        var result = await CliRun.RunAsync([command, "-", .. target, option, value], new Dictionary<string, string> { ["PUBSUB_EMULATOR_HOST"] = "127.0.0.1:9" });

        Assert.True(result.ExitCode == exitCode, result.Error);
        Assert.Equal(exitCode == 2, result.Error.Contains("--min-backoff must not be longer than --max-backoff.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("generate")]
    [InlineData("replay")]
    [InlineData("publish")]
    public async Task HelpOfEveryCommandExplainsEveryOptionWithAnExample(string name)
    {
        var result = await CliRun.RunAsync([name, "--help"]);
        var command = CliApp.CreateRoot(CliRun.Context()).Subcommands.Single(c => c.Name == name);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Examples:", result.Out, StringComparison.Ordinal);
        foreach (var option in command.Options.Where(o => o.Name is not "--help" and not "-h"))
        {
            Assert.Contains(option.Name, result.Out, StringComparison.Ordinal);
            Assert.Contains("Example: " + option.Name, option.Description, StringComparison.Ordinal);
            // Help adds "[default: …]" for a default value of its own: a description that says it too says it twice.
            Assert.False(option.HasDefaultValue && option.Description!.Contains("(default", StringComparison.Ordinal), $"{option.Name}'s default is shown twice");
        }

        foreach (var argument in command.Arguments)
        {
            Assert.Contains("Example:", argument.Description, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("gs://chat-bucket", "replay: cannot open gs://chat-bucket: it names no object: use gs://bucket/object, e.g. gs://my-bucket/conversations.ndjson")]
    [InlineData("gs://chat-bucket/", "replay: cannot open gs://chat-bucket/: it names no object: use gs://bucket/object, e.g. gs://my-bucket/conversations.ndjson")]
    [InlineData(".", "replay: cannot open .: it is a directory; name an NDJSON file in it")]
    public async Task ASourceThatIsNoFileOrObjectIsOneLineSayingWhatToName(string source, string error)
    {
        var result = await CliRun.RunAsync(["replay", source, "--to", "http://127.0.0.1:9/push"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([error], result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task ReplayOfAMissingFileFailsWithExitCodeOne()
    {
        var result = await CliRun.RunAsync(["replay", Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")), "--to", "http://127.0.0.1:9/pubsub/push"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot open", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayToAnEndpointThatDoesNotAnswerFailsAfterItsAttempts()
    {
        // Port 9 (discard) on 127.0.0.1 refuses connections.
        var result = await CliRun.RunAsync(
            ["replay", "-", "--to", "http://127.0.0.1:9/pubsub/push", "--max-attempts", "2", "--min-backoff", "1ms", "--max-backoff", "1ms"],
            stdin: "{\"orderId\": 1, \"cityCode\": \"IST\"}\n"u8.ToArray());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("sent 1, acknowledged 0, retried 1, failed 1", result.Error, StringComparison.Ordinal);
    }
}
