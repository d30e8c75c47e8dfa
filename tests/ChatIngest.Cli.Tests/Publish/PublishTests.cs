using System.Text;
using ChatIngest.Cli.Tests.Support;
using ChatIngest.Tests.Support;

namespace ChatIngest.Cli.Tests.Publish;

public sealed class PublishTests
{
    [Fact]
    public async Task LinesArePublishedInOrderInBatchesOfAtMostAThousandToTheEmulatorWithoutCredentials()
    {
        await using var fake = await FakePubSub.StartAsync();
        var lines = PublishRun.SmallLines(2_500);

        var result = await PublishRun.ToEmulatorAsync(fake, lines);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal([1000, 1000, 500], fake.Accepted.Select(r => r.Data.Count));
        Assert.Equal(lines, fake.Messages);
        Assert.All(fake.Accepted, r => Assert.Null(r.Authorization));
        Assert.All(fake.Accepted, r => Assert.Equal($"/v1/{FakePubSub.Topic}:publish", r.Path));
        Assert.Contains("sent 2,500, acknowledged 2,500, retried 0, failed 0", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LargeMessagesAreSplitSoEveryRequestStaysUnderTenMegabytes()
    {
        await using var fake = await FakePubSub.StartAsync();
        var padding = new string('x', 12_000);
        var lines = Enumerable.Range(1, 1_500).Select(i => $$"""{"orderId": {{i}}, "cityCode": "IST", "note": "{{padding}}"}""").ToArray();

        var result = await PublishRun.ToEmulatorAsync(fake, lines);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Empty(fake.Violations);
        Assert.True(fake.Accepted.Count >= 3, $"{fake.Accepted.Count} requests for ~24 MB of base64");
        Assert.All(fake.Accepted, r => Assert.InRange(r.BodyBytes, 1, 9_999_999));
        Assert.Equal(lines, fake.Messages);
    }

    [Theory]
    [InlineData(429, 503, 500)] // RESOURCE_EXHAUSTED, UNAVAILABLE, INTERNAL
    [InlineData(409, 499)] // ABORTED, CANCELLED
    [InlineData(408)] // a proxy's Request Timeout: transient here as at the token endpoint
    public async Task TransientAnswersAndGooglesRetryCodesForPublishAreRetriedUntilPublished(params int[] failFirst)
    {
        await using var fake = await FakePubSub.StartAsync(failFirst);
        var lines = PublishRun.SmallLines(10);

        var result = await PublishRun.ToEmulatorAsync(fake, lines);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(failFirst.Length + 1, fake.Attempts);
        Assert.Equal(lines, fake.Messages);
        Assert.Contains($"sent 10, acknowledged 10, retried {failFirst.Length}, failed 0", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FromLineStartsAtThatSourceLineCountingBlankLines()
    {
        await using var fake = await FakePubSub.StartAsync();
        var lines = PublishRun.SmallLines(1_500);

        var result = await PublishRun.ToEmulatorAsync(fake, ["", .. lines], FakePubSub.Topic, "--from-line", "1001");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(lines[999..], fake.Messages); // line 1001 of SOURCE is lines[999], after the blank line 1
        Assert.Contains("publish: read 501 lines; sent 501, acknowledged 501,", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAnswerWithTooFewMessageIdsIsNotRetriedCountsAsFailedAndIsNamedToSendAgainByHand()
    {
        await using var fake = await FakePubSub.StartAsync();
        fake.DropIdsFromNextAnswer(1);
        var lines = PublishRun.SmallLines(1_500);

        var result = await PublishRun.ToEmulatorAsync(fake, lines);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(2, fake.Attempts);
        Assert.Equal(lines, fake.Messages);
        Assert.Contains("sent 1,500, acknowledged 500, retried 0, failed 1,000", result.Error, StringComparison.Ordinal);
        Assert.Contains("Pub/Sub answered 200 with 999 message ids for 1000 messages", result.Error, StringComparison.Ordinal);
        Assert.Contains("not retried, as that could publish some twice", result.Error, StringComparison.Ordinal);
        Assert.Contains("publish: not delivered, to send again: lines 1-1000 (sed -n '1,1000p' SOURCE gives just those)", result.Error.Split('\n'));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"ok\"")]
    [InlineData("<html>signed out</html>")]
    public async Task An200AnswerThatIsNotAnObjectWithIdsCountsTheBatchAsUnconfirmedAndTheRunGoesOn(string answer)
    {
        await using var fake = await FakePubSub.StartAsync();
        fake.AnswerNextWith(answer);
        var lines = PublishRun.SmallLines(1_500);

        var result = await PublishRun.ToEmulatorAsync(fake, lines);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(lines, fake.Messages);
        Assert.Contains("Pub/Sub answered 200 with no messageIds list for 1000 messages", result.Error, StringComparison.Ordinal);
        Assert.Contains("publish: not delivered, to send again: lines 1-1000 (sed -n '1,1000p' SOURCE gives just those)", result.Error.Split('\n'));
    }

    [Fact]
    public async Task RetriesGiveUpAfterMaxAttemptsAndTheRunFails()
    {
        await using var fake = await FakePubSub.StartAsync(503, 503, 503);

        var result = await PublishRun.ToEmulatorAsync(fake, PublishRun.SmallLines(5), FakePubSub.Topic, "--max-attempts", "3");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(3, fake.Attempts);
        Assert.Contains("failed 5", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithBase64EachLineIsPublishedAsTheBytesItStandsForAndALineThatIsNotBase64FailsAlone()
    {
        // What a held message's data can be, and a line of NDJSON cannot carry: JSON over two lines, bytes not UTF-8.
        byte[][] data = ["{\"orderId\": 1,\n \"cityCode\": \"IST\"}"u8.ToArray(), [0xFF, 0xFE, (byte)'x']];
        await using var fake = await FakePubSub.StartAsync();

        // Line 4 is a form feed alone: not blank to the line reader, and no bytes once decoded.
        var result = await PublishRun.ToEmulatorAsync(fake, [Convert.ToBase64String(data[0]), "not base64!", Convert.ToBase64String(data[1]), "\f"], options: "--base64");

        Assert.Equal(1, result.ExitCode); // two lines failed
        Assert.Equal(data.Select(Convert.ToBase64String), fake.Accepted.SelectMany(r => r.Base64Data));
        Assert.Empty(fake.Violations);
        Assert.Contains("line 2 is not base64 (--base64)", result.Error, StringComparison.Ordinal);
        Assert.Contains("line 4 decodes to no bytes, and Pub/Sub takes no empty message (--base64)", result.Error, StringComparison.Ordinal);
        Assert.Contains("publish: read 4 lines; sent 2, acknowledged 2, retried 0, failed 2 (2 not sent)", result.Error.Split('\n'));
    }

    [Fact]
    public async Task AnEndpointThatNeverAnswersStopsTheRunOnceTheFirstBatchHasUsedItsAttempts()
    {
        var result = await CliRun.RunAsync(
            ["publish", "-", "--topic", FakePubSub.Topic, "--min-backoff", "1ms", "--max-backoff", "5ms", "--max-attempts", "2"],
            new Dictionary<string, string> { ["PUBSUB_EMULATOR_HOST"] = "127.0.0.1:9" }, // refused
            Ndjson.Of(PublishRun.SmallLines(3_500)));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.Error.Split('\n'), l => l.StartsWith("publish: stopped: nothing from line 1 on was published: nothing answered at http://127.0.0.1:9: ", StringComparison.Ordinal)
            && l.EndsWith("after 2 attempts. Is it reachable?", StringComparison.Ordinal));
        Assert.Contains("sent 1,000,", result.Error, StringComparison.Ordinal); // the first batch, not all four
    }

    [Theory]
    [InlineData(400, "HTTP 400 Bad Request: INVALID_ARGUMENT: Refused by the fake. Second line")]
    [InlineData(401, "HTTP 401 Unauthorized: UNAUTHENTICATED: Refused by the fake. Second line. Run `gcloud auth application-default login`, "
        + "or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file (the credentials in use were not accepted)")]
    [InlineData(403, "HTTP 403 Forbidden: PERMISSION_DENIED: Refused by the fake. Second line. The account needs roles/pubsub.publisher on the topic")]
    [InlineData(501, "HTTP 501 Not Implemented: UNIMPLEMENTED: Refused by the fake. Second line")] // not in Google's retry codes for publish
    public async Task AGoogleErrorStopsTheRunWithItsStatusAndMessageOnOneLineAndAHint(int code, string said)
    {
        await using var fake = await FakePubSub.StartAsync(code);
        fake.FailureMessage = "Refused by the fake.\nSecond line.";

        var result = await PublishRun.ToEmulatorAsync(fake, PublishRun.SmallLines(3));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"publish: stopped: nothing from line 1 on was published: {said}", result.Error.Split('\n'));
    }

    [Fact]
    public async Task ALineOverPubSubsLimitFailsAloneAndTheLinesAroundItArePublished()
    {
        await using var fake = await FakePubSub.StartAsync();
        var lines = PublishRun.SmallLines(3);

        var result = await PublishRun.ToEmulatorAsync(fake, [lines[0], lines[1], new string('x', 11 * 1024 * 1024), lines[2]]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(lines, fake.Messages);
        Assert.Contains("publish: failed: line 3 is longer than 10,485,760 bytes, more than a Pub/Sub message holds; not sent", result.Error.Split('\n'));
        Assert.Contains("publish: read 4 lines; sent 3, acknowledged 3, retried 0, failed 1 (1 not sent)", result.Error.Split('\n'));
        Assert.DoesNotContain("publish: stopped", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStopAfterSomeBatchesNamesTheFirstLineNotPublishedAsTheLineToGoOnFrom()
    {
        await using var fake = await FakePubSub.StartAsync();
        fake.FailAfter(accepted: 1, 403); // the account lost its role on the topic
        fake.FailureMessage = "Refused by the fake.";

        var result = await PublishRun.ToEmulatorAsync(fake, PublishRun.SmallLines(2_500));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("publish: stopped: nothing from line 1001 on was published: HTTP 403 Forbidden: PERMISSION_DENIED: Refused by the fake. "
            + "The account needs roles/pubsub.publisher on the topic", result.Error.Split('\n'));
        Assert.Contains("publish: 1,000 lines were acknowledged before it stopped. To go on once that is fixed, run it again with --from-line 1001: "
            + "the first line neither acknowledged nor refused for itself (lines after it may be sent twice).", result.Error.Split('\n'));
    }

    [Fact]
    public async Task EachBatchThatFailsIsReportedWithItsFirstAndLastSourceLine()
    {
        await using var fake = await FakePubSub.StartAsync(503, 503, 503, 503, 503, 503);

        var result = await PublishRun.ToEmulatorAsync(fake, ["", .. PublishRun.SmallLines(2_500)], FakePubSub.Topic, "--max-attempts", "3");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("sent 2,500, acknowledged 500, retried 4, failed 2,000", result.Error, StringComparison.Ordinal);
        var failures = result.Error.Split('\n').Where(l => l.StartsWith("publish: failed: ", StringComparison.Ordinal));
        Assert.Equal(
            ["publish: failed: lines 2 to 1001: HTTP 503 Service Unavailable after 3 attempts",
             "publish: failed: lines 1002 to 2001: HTTP 503 Service Unavailable after 3 attempts"],
            failures);
    }

    [Theory]
    [InlineData("not base64", "publish: failed: line 2 is not base64 (--base64)")]
    [InlineData("longer than a message", "publish: failed: line 2 is longer than 10,485,760 bytes")]
    [InlineData("too large for a request", "publish: failed: line 2 is too large for one publish request")]
    public async Task ALineRefusedForItselfInsideAFailedBatchIsNotNamedToSendAgain(string refusal, string failure)
    {
        await using var fake = await FakePubSub.StartAsync(503);
        var data = Base64Lines(3);
        var refused = refusal switch
        {
            "not base64" => "not base64!",
            "longer than a message" => new string('A', 11 * 1024 * 1024),
            _ => Convert.ToBase64String(new byte[7_600_000]), // 10.1 MB as base64: a line Pub/Sub holds, a body it does not
        };

        var result = await PublishRun.ToEmulatorAsync(fake, [data[0], refused, data[1], data[2]], options: ["--base64", "--max-attempts", "1"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.Error.Split('\n'), l => l.StartsWith(failure, StringComparison.Ordinal));
        Assert.Contains("publish: not delivered, to send again: lines 1, 3-4", result.Error.Split('\n'));
    }

    [Fact]
    public async Task ALineRefusedAfterAFailedBatchsLastLineIsNotNamedWithIt()
    {
        await using var fake = await FakePubSub.StartAsync(503);
        var data = Base64Lines(3);

        var result = await PublishRun.ToEmulatorAsync(fake, [.. data, "", "not base64!"], options: ["--base64", "--max-attempts", "1"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("publish: failed: lines 1 to 3: HTTP 503 Service Unavailable", result.Error.Split('\n'));
        Assert.Contains("publish: not delivered, to send again: lines 1-3 (sed -n '1,3p' SOURCE gives just those)", result.Error.Split('\n'));
    }

    [Fact]
    public async Task FailuresBeyondTheFirstTenAreCountedInOneLine()
    {
        await using var fake = await FakePubSub.StartAsync([.. Enumerable.Repeat(503, 12)]);

        var result = await PublishRun.ToEmulatorAsync(fake, PublishRun.SmallLines(12_000), FakePubSub.Topic, "--max-attempts", "1");

        Assert.Equal(1, result.ExitCode);
        var lines = result.Error.Split('\n');
        Assert.Equal(10, lines.Count(l => l.StartsWith("publish: failed: lines ", StringComparison.Ordinal)));
        Assert.Contains("publish: failed: lines 1 to 1000: HTTP 503 Service Unavailable", lines);
        Assert.Contains("publish: and 2 more failures", lines);
    }

    [Theory]
    [InlineData("projects/local/topics/chat")] // the README's emulator example: the emulator takes any project id
    [InlineData("projects/example.com:legacy-project/topics/chat")] // a domain-scoped project id
    public async Task AnyProjectIdIsSentOnForPubSubToJudge(string topic)
    {
        await using var fake = await FakePubSub.StartAsync();

        var result = await PublishRun.ToEmulatorAsync(fake, PublishRun.SmallLines(3), topic);

        Assert.Equal(1, fake.Attempts); // sent, and answered 404 by the fake, which knows one topic only
        Assert.Contains($"topic {topic} not found (HTTP 404)", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("chat")]
    [InlineData("projects/demo-project/subscriptions/chat")]
    [InlineData("projects//topics/chat")]
    [InlineData("projects/demo-project/topics/ch")] // topic names have at least 3 characters
    public async Task ATopicThatIsNotAFullTopicNameIsAUsageError(string topic)
    {
        await using var fake = await FakePubSub.StartAsync();

        var result = await PublishRun.ToEmulatorAsync(fake, PublishRun.SmallLines(3), topic);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(0, fake.Attempts);
        Assert.Contains("--topic must look like projects/PROJECT_ID/topics/TOPIC", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9", "PUBSUB_EMULATOR_HOST must be host:port, got 'http://127.0.0.1:9' (leave out the scheme).")]
    [InlineData("not a host", "PUBSUB_EMULATOR_HOST must be host:port, got 'not a host'.")]
    [InlineData("127.0.0.1", "PUBSUB_EMULATOR_HOST must be host:port, got '127.0.0.1'.")]
    [InlineData("127.0.0.1:99999", "PUBSUB_EMULATOR_HOST must be host:port, got '127.0.0.1:99999'.")]
    public async Task AnEmulatorHostThatIsNotHostAndPortIsAUsageError(string value, string error)
    {
        var result = await CliRun.RunAsync(
            ["publish", "-", "--topic", FakePubSub.Topic, "--max-attempts", "1"],
            new Dictionary<string, string> { ["PUBSUB_EMULATOR_HOST"] = value },
            Ndjson.Of(PublishRun.SmallLines(3)));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal([$"publish: {error}"], result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task MissingTopicStopsTheRunWithAClearMessage()
    {
        await using var fake = await FakePubSub.StartAsync();

        var result = await PublishRun.ToEmulatorAsync(fake, PublishRun.SmallLines(2_500), "projects/demo-project/topics/no-such-topic");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(1, fake.Attempts);
        Assert.Contains("topic projects/demo-project/topics/no-such-topic not found (HTTP 404)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainProgressLinesGoToStderrWhenNotOnATerminal()
    {
        await using var fake = await FakePubSub.StartAsync();
        var directory = TempPaths.NewDirectory();
        var path = Path.Combine(directory, "lines.ndjson");
        await File.WriteAllBytesAsync(path, Ndjson.Of(PublishRun.SmallLines(1_200)));

        var result = await CliRun.RunAsync(
            ["publish", path, "--topic", FakePubSub.Topic],
            new Dictionary<string, string> { ["PUBSUB_EMULATOR_HOST"] = fake.Host });
        TempPaths.TryDelete(directory);

        Assert.True(result.ExitCode == 0, result.Error);
        var progress = result.Error.Split('\n').Where(l => l.StartsWith("publish: 1,200 msgs, ", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(progress);
        Assert.Contains("100%, ETA 00:00:00", progress[^1], StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', result.Error);
    }

    private static string[] Base64Lines(int count) =>
        [.. PublishRun.SmallLines(count).Select(l => Convert.ToBase64String(Encoding.UTF8.GetBytes(l)))];
}
