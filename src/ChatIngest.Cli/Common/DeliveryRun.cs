using ChatIngest.Cli.Progress;
using ChatIngest.Cli.Sources;
using Google;

namespace ChatIngest.Cli.Common;

/// <summary>
/// The frame of a <c>replay</c> or <c>publish</c> run: open the source, show progress while the sender works,
/// then print the summary, the failures (a bounded list) and why it stopped early, and choose the exit code
/// (failures → 1, Ctrl-C → 130 with how far it got and the --from-line to go on from; a stop by what no retry fixes
/// names that line too).
/// </summary>
internal static class DeliveryRun
{
    public static async Task<int> RunAsync(
        CliContext context, string command, string source, long fromLine,
        Func<LineSource, RunCounters, Task<bool>> send, CancellationToken cancellationToken)
    {
        var counters = new RunCounters(fromLine);
        LineSource opened;
        try
        {
            opened = await LineSource.OpenAsync(source, context, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await context.Error.WriteLineAsync($"{command}: cannot open {source}: {Describe(e)}");
            return ExitCodes.Failed;
        }

        bool completed;
        await using (opened)
        {
            counters.TotalBytes = opened.Length;
            try
            {
                completed = await new ProgressDisplay(context, command).RunAsync(counters.Reading, () => send(opened, counters));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                completed = false;
            }
            catch (Exception e) when (e is IOException or HttpRequestException or GoogleApiException)
            {
                counters.Stop($"reading {source} failed: {Describe(e)}");
                completed = false;
            }
        }

        await context.Error.WriteLineAsync(counters.Summary(command));
        var (problems, more) = counters.Problems();
        foreach (var problem in problems)
        {
            await context.Error.WriteLineAsync($"{command}: failed: {problem}");
        }

        if (more > 0)
        {
            await context.Error.WriteLineAsync($"{command}: and {more:N0} more failures");
        }

        if (counters.StopReason is null && !cancellationToken.IsCancellationRequested && counters.Undelivered() is { Count: > 0 } undelivered)
        {
            // All of them, in one line: the list of failures above stops at ten. Not for a stopped run: the lines it
            // never sent are not in the list, and --from-line below covers them all.
            await context.Error.WriteLineAsync($"{command}: not delivered, to send again: lines "
                + string.Join(", ", undelivered.Select(r => r.First == r.Last ? $"{r.First}" : $"{r.First}-{r.Last}"))
                + (undelivered.Count == 1 ? $" (sed -n '{undelivered[0].First},{undelivered[0].Last}p' SOURCE gives just those)" : ""));
        }

        if (counters.StopReason is { } reason)
        {
            await context.Error.WriteLineAsync($"{command}: stopped: {reason}");
        }

        var goOn = $"--from-line {counters.ResumeLine}: the first line neither acknowledged nor refused for itself (lines after it may be sent twice).";
        if (cancellationToken.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync($"{command}: stopped (Ctrl-C or SIGTERM) after reading {counters.Read:N0} lines; {counters.Acknowledged:N0} acknowledged. "
                + $"To go on, run it again with {goOn}");
            return ExitCodes.Cancelled;
        }

        if (counters.StopReason is not null && counters.ResumeLine > fromLine)
        {
            // Stopped before the end by what no retry fixes (a token, a URL, an unreadable SOURCE): once it is fixed,
            // the lines already acknowledged need not go again.
            await context.Error.WriteLineAsync($"{command}: {counters.Acknowledged:N0} lines were acknowledged before it stopped. To go on once that is fixed, run it again with {goOn}");
        }

        return completed && counters.Failed == 0 && counters.Unconfirmed == 0 ? ExitCodes.Success : ExitCodes.Failed;
    }

    /// <summary>Why a SOURCE could not be read, on one line; Cloud Storage's own text is several lines around its message.</summary>
    private static string Describe(Exception e) => AnswerText.Shorten(
        e is GoogleApiException { Error.Message: { Length: > 0 } message } google ? $"HTTP {(int)google.HttpStatusCode}: {message}" : e.Message);
}
