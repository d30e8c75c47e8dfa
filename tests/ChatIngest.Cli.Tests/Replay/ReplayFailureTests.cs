using System.Collections.Concurrent;
using System.Globalization;
using ChatIngest.Cli.Tests.Support;
using Microsoft.AspNetCore.Http;
using ChatIngest.Tests.Support;
using static ChatIngest.Cli.Tests.Support.ReplayRun;

namespace ChatIngest.Cli.Tests.Replay;

/// <summary>
/// Replay against a fake push endpoint that refuses: what fails, what stops the run, and where to go on from.
/// </summary>
public sealed class ReplayFailureTests
{
    [Fact]
    public async Task DeliveriesThatNeverSucceedAreCountedFailedAndTheExitCodeIsNonZero()
    {
        var (result, received) = await ReplayAsync(_ => StatusCodes.Status503ServiceUnavailable, "--max-attempts", "2");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(6, received.Count);
        Assert.Contains("sent 3, acknowledged 0, retried 3, failed 3", result.Error, StringComparison.Ordinal);
        Assert.Contains("HTTP 503 Service Unavailable: Refused by the test. The test endpoint answers 503 after 2 attempts", result.Error, StringComparison.Ordinal);
        Assert.Contains("replay: not delivered, to send again: lines 1-3 (sed -n '1,3p' SOURCE gives just those)", result.Error.Split('\n'));
    }

    [Fact]
    public async Task EveryLineNotDeliveredIsNamedEvenPastTheTenFailuresListed()
    {
        var lines = Ndjson.Orders(40);

        var (result, _) = await ReplayLinesAsync(lines, e => OrderId(e) is (>= 5 and <= 25) or 31 ? 503 : OrderId(e) == 33 ? 400 : 204,
            "--max-attempts", "1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("replay: and 13 more failures", result.Error.Split('\n'));
        // Line 33 was refused for itself: sending it again cannot help, so it is not among them.
        Assert.Contains("replay: not delivered, to send again: lines 5-25, 31", result.Error.Split('\n'));
    }

    [Fact]
    public async Task AServiceThatNeverAnswersStopsTheRunOnceTheFirstLineHasUsedItsAttempts()
    {
        var stdin = Ndjson.Of(Ndjson.Orders(200));

        var result = await CliRun.RunAsync(["replay", "-", "--to", "http://127.0.0.1:9/pubsub/push", "--concurrency", "1",
            "--max-attempts", "2", "--min-backoff", "1ms", "--max-backoff", "5ms"], stdin: stdin); // port 9: refused

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.Error.Split('\n'), l => l.StartsWith("replay: stopped: nothing answered at http://127.0.0.1:9/pubsub/push: ", StringComparison.Ordinal)
            && l.EndsWith("after 2 attempts. Is the service running there?", StringComparison.Ordinal));
        var sent = int.Parse(System.Text.RegularExpressions.Regex.Match(result.Error, @"sent (\d+),").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(sent <= 2, $"sent {sent} of 200 lines:\n{result.Error}"); // the one that gave up, and one read meanwhile
    }

    [Fact]
    public async Task ALineAnswered413Or400FailsWithoutRetriesAndTheOtherLinesAreStillDelivered()
    {
        var (result, received) = await ReplayAsync(e => Data(e) == Lines[1] ? 413 : Data(e) == Lines[2] ? 400 : 204, "--max-attempts", "5");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(3, received.Count);
        Assert.Contains("sent 3, acknowledged 1, retried 0, failed 2", result.Error, StringComparison.Ordinal);
        var failures = result.Error.Split('\n').Where(l => l.StartsWith("replay: failed: ", StringComparison.Ordinal)).ToArray();
        Assert.Contains(failures, l => l.StartsWith("replay: failed: line 2 (message ", StringComparison.Ordinal)
            && l.EndsWith("): HTTP 413 Payload Too Large: Refused by the test. The test endpoint answers 413.", StringComparison.Ordinal));
        Assert.Contains(failures, l => l.StartsWith("replay: failed: line 3 (message ", StringComparison.Ordinal)
            && l.EndsWith("): HTTP 400 Bad Request: Refused by the test. The test endpoint answers 400.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(401, "Unauthorized", "Check --token.")]
    [InlineData(403, "Forbidden", "Check --token.")]
    [InlineData(404, "Not Found", "Check the --to URL.")]
    [InlineData(405, "Method Not Allowed", "Check the --to URL.")]
    [InlineData(415, "Unsupported Media Type", "Check --to and --unwrapped.")]
    public async Task AnAnswerNoRetryCanFixStopsTheRunAtOnceWithTheStatusAndTheProblemDetail(int status, string reason, string hint)
    {
        var (result, received) = await ReplayAsync(_ => status, "--concurrency", "1", "--max-attempts", "5");

        Assert.Equal(1, result.ExitCode);
        Assert.Single(received);
        Assert.Contains("acknowledged 0, retried 0, failed 1", result.Error, StringComparison.Ordinal);
        var stopped = Assert.Single(result.Error.Split('\n'), l => l.StartsWith("replay: stopped: ", StringComparison.Ordinal));
        Assert.EndsWith($"/pubsub/push answered HTTP {status} {reason}: Refused by the test. The test endpoint answers {status}. {hint}", stopped, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AProblemThatOnlyRepeatsTheStatusIsNotPrintedAsJson()
    {
        // What ASP.NET answers for a path it does not map: {"type":…,"title":"Not Found","status":404,"traceId":…}.
        await using var server = await LoopbackServer.StartAsync(http => Results.Problem(statusCode: 404).ExecuteAsync(http));
        var stdin = Ndjson.Of(Lines[..1]);

        var result = await CliRun.RunAsync(["replay", "-", "--to", new Uri(server.Address, "/push").ToString(), "--concurrency", "1"], stdin: stdin);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"replay: stopped: {new Uri(server.Address, "/push")} answered HTTP 404 Not Found. Check the --to URL.", result.Error.Split('\n'));
    }

    [Fact]
    public async Task ARedirectIsNotFollowedAndStopsTheRunNamingWhereItPoints()
    {
        var paths = new ConcurrentQueue<string>();
        await using var server = await LoopbackServer.StartAsync(http =>
        {
            paths.Enqueue($"{http.Request.Method} {http.Request.Path}");
            http.Response.StatusCode = http.Request.Path == "/pubsub/push" ? 302 : 405;
            http.Response.Headers.Location = "/final";
            return Task.CompletedTask;
        });
        var stdin = Ndjson.Of(Lines);

        var result = await CliRun.RunAsync(["replay", "-", "--to", new Uri(server.Address, "/pubsub/push").ToString(), "--concurrency", "1"], stdin: stdin);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(["POST /pubsub/push"], paths);
        Assert.Contains($"replay: stopped: --to answered 302 (redirect to {new Uri(server.Address, "/final")}); use that URL.", result.Error.Split('\n'));
    }

    /// <summary>Fails every send the way no HTTP answer does: an error nobody expected.</summary>
    private sealed class BrokenHandler : HttpMessageHandler
    {
        public int Calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            throw new InvalidOperationException("Broken by the test.\nSecond line.");
        }
    }

    [Fact]
    public async Task ALineOverPubSubsLimitFailsAloneWithoutBeingSentAndTheLinesAroundItAreDelivered()
    {
        var (result, received) = await ReplayLinesAsync([Lines[0], new string('x', 11 * 1024 * 1024), Lines[1]], _ => 204);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(Lines[..2].Order(StringComparer.Ordinal), received.Select(r => Data(r.GetProperty("envelope"))).Order(StringComparer.Ordinal));
        Assert.Contains("replay: failed: line 2 is longer than 10,485,760 bytes, more than a Pub/Sub message holds; not sent", result.Error.Split('\n'));
        Assert.Contains("replay: read 3 lines; sent 2, acknowledged 2, retried 0, failed 1 (1 not sent)", result.Error.Split('\n'));
    }

    [Theory]
    [InlineData(null, 5)]
    [InlineData(2, 4)] // going on from line 2 would send 3-5 again, and line 2 would be refused again at every run
    public async Task AStopByAnAnswerNoRetryFixesNamesTheLineToGoOnFromPastAnyLineRefusedForItself(int? refused, int acknowledged)
    {
        // The refused line is answered 400; the token expires after line 5.
        var lines = Ndjson.Orders(10);

        var (result, _) = await ReplayLinesAsync(lines, e => OrderId(e) == refused ? 400 : OrderId(e) <= 5 ? 204 : 401, "--concurrency", "1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.Error.Split('\n'), l => l.StartsWith("replay: stopped: ", StringComparison.Ordinal) && l.Contains("HTTP 401", StringComparison.Ordinal));
        Assert.Contains($"replay: {acknowledged} lines were acknowledged before it stopped. To go on once that is fixed, run it again with --from-line 6: "
            + "the first line neither acknowledged nor refused for itself (lines after it may be sent twice).", result.Error.Split('\n'));
        // Not "to send again: lines 6": 7-10 were never sent either, and --from-line 6 covers them all.
        Assert.DoesNotContain(result.Error.Split('\n'), l => l.StartsWith("replay: not delivered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AStopBeforeAnyLineWasAcknowledgedNamesNoLineToGoOnFrom()
    {
        var (result, _) = await ReplayAsync(_ => 401, "--concurrency", "1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("replay: stopped: ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("--from-line", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnexpectedErrorInADeliveryStopsTheRunWithOneLineNamingIt()
    {
        using var broken = new BrokenHandler();
        var stdin = Ndjson.Of(Lines);

        var result = await CliRun.RunAsync(["replay", "-", "--to", "http://127.0.0.1:9/pubsub/push", "--concurrency", "1"], stdin: stdin, http: broken);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(1, broken.Calls);
        Assert.Contains("replay: stopped: delivering line 1 failed unexpectedly: InvalidOperationException: Broken by the test. Second line.", result.Error.Split('\n'));
    }
}
