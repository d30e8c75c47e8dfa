using System.CommandLine;
using System.Globalization;
using ChatIngest.Cli.Progress;
using ChatIngest.Core;

namespace ChatIngest.Cli.Generate;

/// <summary><c>generate</c>: realistic NDJSON chat data, streamed to a file or stdout.</summary>
internal static class GenerateCommand
{
    /// <summary>The HResult .NET gives a write to a pipe whose reader is gone: errno EPIPE on Linux and macOS.</summary>
    private const int Epipe = 32;

    /// <summary>How long Ctrl-C waits for the writer, which stops at its next line unless a write is blocked.</summary>
    private static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(1);

    public static Command Create(CliContext context)
    {
        var options = new GenerateOptions();
        var command = new Command("generate", """
            Write NDJSON shaped like the seed data (shared/data/conversations.json): conversations interleaved in time,
            2-5 messages each alternating courier/customer, the first flagged chatStartedByMessage and followed by its
            order event. The same --seed always gives the same bytes. Streams in constant memory.

            Examples:
              generate --conversations 400 --seed 7 --out data/sample.ndjson
              generate --conversations 1000000 --duplicates 0.01 --invalid 0.001 --late-orders 0.05 --shuffle 20 > big.ndjson
            """);
        options.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
            RunAsync(context, options.Read(parse), parse.GetValue(options.Out) is { } path and not "-" ? path : null, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, GenerateSettings settings, string? outPath, CancellationToken cancellationToken)
    {
        var generator = new ConversationGenerator(settings);
        var faults = new FaultInjector(settings);
        long written = 0;

        // A file size limit (ulimit -f) met by --out, or by stdout sent to a file, then fails the write (EFBIG), which
        // is reported below, instead of ending the process mid-write with the temporary file left behind.
        ProcessFileSizeLimit.HandleSignal();
        var target = outPath ?? "stdout";
        OutputFile? file = null;
        Stream output;
        try
        {
            file = outPath is null ? null : OutputFile.Open(outPath);
            output = file?.Stream ?? context.OpenStandardOutput();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"generate: cannot write {target}: {WriteFailure(e, outPath)}");
            return ExitCodes.Failed;
        }

        // Disposing the file without a commit deletes what was written, so the old file stays as it was.
        using (file)
        {
            try
            {
                var display = new ProgressDisplay(context, "generate");
                var finished = await display.RunAsync(
                    () => ProgressOf(Volatile.Read(ref written), generator.Started, settings.Conversations),
                    () => WriteAsync(context, output, () => Write(output, faults.Apply(generator.Lines()), ref written, cancellationToken), cancellationToken));
                if (finished && !cancellationToken.IsCancellationRequested)
                {
                    file?.Commit();
                }
            }
            catch (IOException e) when (outPath is null && e.HResult == Epipe)
            {
                // Whoever read stdout has stopped (generate | head): stop without a word, as a program SIGPIPE ends
                // does; after Ctrl-C (which may have ended the reader too) the run says it was stopped.
                if (!cancellationToken.IsCancellationRequested)
                {
                    return ExitCodes.BrokenPipe;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException || ProcessFileSizeLimit.IsExceededBy(e))
            {
                var left = file is { Replaces: true } ? $"nothing was written to {outPath}" : "the output is incomplete, and its last line may be cut short";
                await context.Error.WriteLineAsync($"generate: cannot write {target}: {WriteFailure(e, file?.WritingTo)} after generating {written:N0} lines; {left}.");
                return ExitCodes.Failed;
            }
        }

        var summary = string.Create(CultureInfo.InvariantCulture,
            $"generate: {generator.Started:N0} conversations, {written:N0} lines: {generator.Messages:N0} messages, {generator.OrderEvents:N0} order events ({generator.LateOrders:N0} late), {faults.Duplicates:N0} duplicates, {faults.Invalid:N0} invalid{(outPath is null ? "" : " -> " + outPath)}");
        await context.Error.WriteLineAsync(summary);
        if (cancellationToken.IsCancellationRequested)
        {
            var left = file is { Replaces: true } ? $"nothing was written to {outPath}" : "the output ends mid-stream";
            await context.Error.WriteLineAsync($"generate: stopped (Ctrl-C or SIGTERM) after {written:N0} lines; {left}.");
            return ExitCodes.Cancelled;
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// Runs the writer on a thread of its own, then closes the output (which writes the last buffered lines). False when
    /// Ctrl-C came while a write was blocked — stdout not being read — for longer than <see cref="CancelGrace"/>: such a
    /// write may never return, so it is left behind with the output still open, and the process ends without it.
    /// </summary>
    private static async Task<bool> WriteAsync(CliContext context, Stream output, Action write, CancellationToken cancellationToken)
    {
        var writing = Task.Run(write, CancellationToken.None);
        await Task.WhenAny(writing, Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken));
        if (!writing.IsCompleted && await Task.WhenAny(writing, Task.Delay(CancelGrace, context.Time, CancellationToken.None)) != writing)
        {
            return false;
        }

        await using (output)
        {
            await writing;
        }

        return true;
    }

    private static void Write(Stream output, IEnumerable<GeneratedLine> lines, ref long written, CancellationToken cancellationToken)
    {
        using var writer = new StreamWriter(output, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        foreach (var line in lines)
        {
            writer.WriteLine(line.Text);
            if ((Interlocked.Increment(ref written) & 1023) == 0 && cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }
    }

    /// <summary>The operating system's reason (Permission denied, No space left on device) without the file it names.</summary>
    private static string WriteFailure(Exception e, string? path)
    {
        if (path is not null && Directory.Exists(path))
        {
            return "it is a directory";
        }

        if (ProcessFileSizeLimit.IsExceededBy(e))
        {
            return ProcessFileSizeLimit.Bytes is { } limit && (path is null || !File.Exists(path) || new FileInfo(path).Length >= limit)
                ? string.Create(CultureInfo.InvariantCulture, $"File too large (the file size limit, ulimit -f, is {limit:N0} bytes)")
                : "File too large for its file system";
        }

        var reason = (e.InnerException ?? e).Message;
        return (path is null ? reason : reason.Replace($" : '{path}'", "", StringComparison.Ordinal)).TrimEnd('.');
    }

    /// <summary><c>generate: 45,079 lines, …, elapsed 00:00:01 | 10,000 of 10,000 conversations started</c></summary>
    private static ProgressReading ProgressOf(long lines, long started, long conversations) =>
        new(lines, "lines", started, conversations, string.Create(CultureInfo.InvariantCulture, $"{started:N0} of {conversations:N0} conversations started"));
}
