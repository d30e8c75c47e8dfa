using System.Security.Cryptography;
using ChatIngest.Cli.Progress;
using ChatIngest.Cli.Sources;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Cli.Replay;

/// <summary>
/// Reads the source line by line and keeps up to <see cref="ReplaySettings.Concurrency"/> deliveries in flight,
/// paced by <see cref="ReplaySettings.Rate"/> when given. Memory is bounded by the concurrency, not the source size.
/// An answer no retry can fix (wrong token or URL) stops the run: no more lines are read, deliveries in flight are dropped.
/// </summary>
internal sealed class ReplayRunner(ReplaySettings settings, CliContext context, RunCounters counters)
{
    public async Task<bool> RunAsync(LineSource source, CancellationToken cancellationToken)
    {
        using var http = context.CreateHttpClient(settings.AckDeadline);
        var sender = new PushSender(http, settings, context.Time, counters);
        var pacer = settings.Rate is { } rate ? new Pacer(rate, context.Time) : null;
        using var slots = new SemaphoreSlim(settings.Concurrency);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        var nextId = FirstMessageId();
        try
        {
            // Through a LineFeed, so that Ctrl-C or a fatal answer also ends a wait for a line that does not come
            // (an idle stdin): a read from a pipe cannot be cancelled.
            await using var lines = new LineFeed(source.ReadLinesAsync(stop.Token), context.Time);
            while (await lines.NextAsync(wait: null, stop.Token) is true)
            {
                var line = lines.Current;
                if (!counters.Take(line))
                {
                    continue;
                }

                if (pacer is not null)
                {
                    await pacer.WaitAsync(stop.Token);
                }

                await slots.WaitAsync(stop.Token);
                _ = DeliverAsync(sender, line, ++nextId, slots, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Stopped by a fatal answer; the counters hold why.
        }
        finally
        {
            // Wait for every delivery in flight (they stop promptly on cancellation) before the summary is printed.
            for (var i = 0; i < settings.Concurrency; i++)
            {
                await slots.WaitAsync(CancellationToken.None);
            }
        }

        return !stop.IsCancellationRequested;
    }

    /// <summary>
    /// Numeric ids like Pub/Sub's, counting up from a random 19-digit start: runs started at the same moment still
    /// get their own ids (the service keeps one dead letter per message id), and two runs of a million lines
    /// overlap with a chance of about one in four trillion.
    /// </summary>
    private static long FirstMessageId() =>
        1_000_000_000_000_000_000 + (long)(BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) % 8_000_000_000_000_000_000);

    private async Task DeliverAsync(PushSender sender, NdjsonLine line, long id, SemaphoreSlim slots, CancellationTokenSource stop)
    {
        try
        {
            if (!await sender.DeliverAsync(line, id, stop.Token))
            {
                await stop.CancelAsync();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by Ctrl-C or a fatal answer: the message stays unconfirmed and the summary says so.
        }
        catch (Exception e)
        {
            // A bug or an environment no answer explains: every line would meet it, so the run stops and says why.
            counters.Stop($"delivering line {line.Number} failed unexpectedly: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            await stop.CancelAsync();
        }
        finally
        {
            counters.AddBytesDone(line.SourceBytes);
            slots.Release();
        }
    }
}
