using System.Text;
using ChatIngest.Cli.Progress;
using ChatIngest.Cli.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using ChatIngest.Tests.Support;

namespace ChatIngest.Cli.Tests.Cli;

public sealed class ProgressAndCancellationTests
{
    /// <summary>Only a guard against hanging: each wait ends as soon as what it waits for happens.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    /// <summary>Collects lines and lets a test wait for the next one.</summary>
    private sealed class LineWaiter : StringWriter
    {
        private TaskCompletionSource<string> next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> NextLine => next.Task;

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            var done = next;
            next = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            done.SetResult(value ?? "");
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task WithoutATerminalAPlainLineWithCountRateAndEtaIsWrittenEachInterval()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var error = new LineWaiter();
        var context = CliRun.Context() is var c ? new CliContext
        {
            Out = c.Out, Error = error, OpenStandardInput = c.OpenStandardInput, OpenStandardOutput = c.OpenStandardOutput,
            Environment = c.Environment, Interactive = false, Time = time, ProgressInterval = TimeSpan.FromSeconds(5),
        } : null!;
        var work = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = new ProgressReading(100, "msgs", 250, 1000, "acknowledged 100");

        var running = new ProgressDisplay(context, "replay").RunAsync(() => reading, () => work.Task);
        var firstLine = error.NextLine;
        time.Advance(TimeSpan.FromSeconds(5));
        var line = await firstLine;

        Assert.Equal("replay: 100 msgs, 20.0/s, 25%, ETA 00:00:15, elapsed 00:00:05 | acknowledged 100", line);
        Assert.False(running.IsCompleted);
        work.SetResult();
        await running;
    }

    [Fact]
    public async Task CtrlCStopsReplayCleanlyAndReportsHowFarItGot()
    {
        using var stop = new CancellationTokenSource();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackServer.StartAsync(async http =>
        {
            arrived.TrySetResult();
            await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        var stdin = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"orderId\": 1, \"cityCode\": \"IST\"}\n", 50)));

        var run = CliRun.RunAsync(["replay", "-", "--to", new Uri(server.Address, "/pubsub/push").ToString(), "--concurrency", "2"], stdin: stdin, cancellationToken: stop.Token);
        await arrived.Task;
        await stop.CancelAsync();
        var result = await run;

        Assert.Equal(130, result.ExitCode);
        Assert.Contains("stopped (Ctrl-C or SIGTERM) after reading", result.Error, StringComparison.Ordinal);
        Assert.Contains("acknowledged 0", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CtrlCDuringAReplayNamesTheFirstLineNotAcknowledgedAsTheLineToGoOnFrom()
    {
        // Two deliveries in flight: line 3 is held, so lines 4 to 10 go through the other slot one after another and
        // are acknowledged before line 3; line 11 arriving means line 10 was acknowledged. Held too, it keeps the run going.
        using var stop = new CancellationTokenSource();
        var lastArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackServer.StartAsync(async http =>
        {
            var orderId = ReplayRun.OrderId(await System.Text.Json.JsonSerializer.DeserializeAsync<System.Text.Json.JsonElement>(http.Request.Body));
            if (orderId is 3 or 11)
            {
                if (orderId == 11)
                {
                    lastArrived.TrySetResult();
                }

                await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }

            http.Response.StatusCode = 204;
        });
        var stdin = Ndjson.Of(Ndjson.Orders(11));

        var run = CliRun.RunAsync(["replay", "-", "--to", new Uri(server.Address, "/pubsub/push").ToString(), "--concurrency", "2"], stdin: stdin, cancellationToken: stop.Token);
        await lastArrived.Task;
        await stop.CancelAsync();
        var result = await run;

        Assert.Equal(130, result.ExitCode);
        Assert.Contains("replay: stopped (Ctrl-C or SIGTERM) after reading 11 lines; 9 acknowledged. "
            + "To go on, run it again with --from-line 3: the first line neither acknowledged nor refused for itself (lines after it may be sent twice).", result.Error.Split('\n'));
    }

    [Fact]
    public async Task CtrlCWhileReplayWaitsForALineOnAnIdleStdinStopsItAndNamesTheLineToGoOnFrom()
    {
        using var stop = new CancellationTokenSource();
        await using var server = await LoopbackServer.StartAsync(http =>
        {
            http.Response.StatusCode = 204;
            return Task.CompletedTask;
        });
        using var stdin = new PipeStdin();
        var error = new LineWaiter();
        var context = CliRun.Context(error: error, stdinStream: stdin);

        var run = CliApp.RunAsync(["replay", "-", "--to", new Uri(server.Address, "/pubsub/push").ToString()], context, stop.Token);
        await stdin.WriteLinesAsync("""{"orderId": 1, "cityCode": "IST"}""", """{"orderId": 2, "cityCode": "BER"}""");
        while (!(await error.NextLine.WaitAsync(Guard)).Contains("acknowledged 2,", StringComparison.Ordinal))
        {
            // Progress lines come every 200 ms; once one says both are acknowledged, the run waits for a third line.
        }

        await stop.CancelAsync();
        Assert.Equal(130, await run.WaitAsync(Guard));
        Assert.Contains("replay: stopped (Ctrl-C or SIGTERM) after reading 2 lines; 2 acknowledged. "
            + "To go on, run it again with --from-line 3: the first line neither acknowledged nor refused for itself (lines after it may be sent twice).", error.ToString().Split('\n'));
    }

    [Fact]
    public async Task CtrlCDuringAPublishNamesTheBatchInDoubtAndItsFirstLineAsTheLineToGoOnFrom()
    {
        using var stop = new CancellationTokenSource();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = 0;
        await using var server = await LoopbackServer.StartAsync(async (Microsoft.AspNetCore.Http.HttpContext http) =>
        {
            if (Interlocked.Increment(ref requests) == 1)
            {
                await Microsoft.AspNetCore.Http.HttpResponseJsonExtensions.WriteAsJsonAsync(http.Response, new { messageIds = Enumerable.Range(1, 1000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)) });
                return;
            }

            arrived.TrySetResult(); // the second batch: held until the run is stopped
            await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        var stdin = Ndjson.Of(Ndjson.Orders(2_500));

        var run = CliRun.RunAsync(["publish", "-", "--topic", "projects/p/topics/chat"],
            new Dictionary<string, string> { ["PUBSUB_EMULATOR_HOST"] = $"{server.Address.Host}:{server.Address.Port}" }, stdin, cancellationToken: stop.Token);
        await arrived.Task;
        await stop.CancelAsync();
        var result = await run;

        Assert.Equal(130, result.ExitCode);
        Assert.Contains("publish: stopped: lines 1001 to 2000 were being published when stopped, so they may or may not be in the topic; nothing after them was published.",
            result.Error.Split('\n'));
        Assert.Contains(result.Error.Split('\n'), l => l.StartsWith("publish: stopped (Ctrl-C or SIGTERM) after reading ", StringComparison.Ordinal)
            && l.Contains("; 1,000 acknowledged. To go on, run it again with --from-line 1001: ", StringComparison.Ordinal));
    }
}
