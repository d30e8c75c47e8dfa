using System.Globalization;
using Spectre.Console;

namespace ChatIngest.Cli.Progress;

/// <summary>
/// Shows how a long run is going while it runs: on a terminal a live bar (count, rate, ETA when the total is known);
/// elsewhere (redirected, CI) one plain line to stderr every <see cref="CliContext.ProgressInterval"/> and a last
/// line when the work ends (unless it failed).
/// </summary>
internal sealed class ProgressDisplay(CliContext context, string name)
{
    public async Task<T> RunAsync<T>(Func<ProgressReading> read, Func<Task<T>> work)
    {
        var started = context.Time.GetTimestamp();
        var running = work();
        if (context.Interactive)
        {
            await ShowBarAsync(read, running, started);
        }
        else
        {
            await ShowLinesAsync(read, running, started);
        }

        return await running;
    }

    public Task RunAsync(Func<ProgressReading> read, Func<Task> work) =>
        RunAsync(read, async () => { await work(); return true; });

    private async Task ShowLinesAsync(Func<ProgressReading> read, Task running, long started)
    {
        using (var timer = new PeriodicTimer(context.ProgressInterval, context.Time))
        {
            while (!running.IsCompleted)
            {
                var tick = timer.WaitForNextTickAsync().AsTask();
                if (await Task.WhenAny(tick, running) == tick && !running.IsCompleted)
                {
                    await context.Error.WriteLineAsync(Line(read(), started));
                }
            }
        }

        // A run that failed says so itself (generate says nothing at all when its reader closed the pipe); a last
        // progress line would only stand in the way.
        if (!running.IsFaulted)
        {
            await context.Error.WriteLineAsync(Line(read(), started));
        }
    }

    private async Task ShowBarAsync(Func<ProgressReading> read, Task running, long started)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Error) });
        await console.Progress()
            .AutoClear(false)
            .Columns(new ProgressBarColumn { Width = 24 }, new PercentageColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
            .StartAsync(async progress =>
            {
                var first = read();
                var task = progress.AddTask(name, maxValue: Math.Max(1, first.Total ?? 1));
                task.IsIndeterminate = first.Total is null;
                while (!running.IsCompleted)
                {
                    Update(task, read(), started);
                    await Task.WhenAny(running, Task.Delay(TimeSpan.FromMilliseconds(250), context.Time));
                }

                Update(task, read(), started);
                task.StopTask();
            });
    }

    private void Update(ProgressTask task, ProgressReading reading, long started)
    {
        task.Value = Math.Min(reading.Done, (long)task.MaxValue);
        task.Description = Markup.Escape(Line(reading, started, compact: true));
    }

    /// <summary><c>replay: 12,345 msgs, 410.2/s, 45%, ETA 00:01:10 | acked 12,300, retries 3, failed 0</c></summary>
    internal string Line(ProgressReading reading, long started, bool compact = false)
    {
        var elapsed = context.Time.GetElapsedTime(started);
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        var rate = reading.Count / seconds;
        var share = "";
        if (reading.Total is > 0 and var total)
        {
            var fraction = Math.Clamp((double)reading.Done / total, 0, 1);
            var eta = reading.Done > 0 ? TimeSpan.FromSeconds(seconds * (total - reading.Done) / reading.Done) : (TimeSpan?)null;
            share = string.Create(CultureInfo.InvariantCulture, $"{(compact ? "" : $", {fraction * 100:0}%")}, ETA {(eta is { } e ? e.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "--:--:--")}");
        }

        return compact
            ? string.Create(CultureInfo.InvariantCulture, $"{reading.Count:N0} {reading.Unit}, {rate:N1}/s{share} | {reading.Detail}")
            : string.Create(CultureInfo.InvariantCulture,
                $"{name}: {reading.Count:N0} {reading.Unit}, {rate:N1}/s{share}, elapsed {elapsed:hh\\:mm\\:ss} | {reading.Detail}");
    }
}
