using ChatIngest.Cli.Progress;
using ChatIngest.Cli.Sources;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Cli.Replay;

/// <summary>
/// Reads the source line by line and keeps up to <see cref="ReplaySettings.Concurrency"/> deliveries in flight,
/// paced by <see cref="ReplaySettings.Rate"/> when given. Memory is bounded by the concurrency, not the source size.
/// </summary>
internal sealed class ReplayRunner(ReplaySettings settings, CliContext context, RunCounters counters)
{
    public async Task<bool> RunAsync(LineSource source, CancellationToken cancellationToken)
    {
        using var http = context.CreateHttpClient(settings.AckDeadline);
        var sender = new PushSender(http, settings, context.Time, counters);
        var pacer = settings.Rate is { } rate ? new Pacer(rate, context.Time) : null;
        using var slots = new SemaphoreSlim(settings.Concurrency);

        // Numeric ids like Pub/Sub's, unique across runs started at least a second apart.
        var nextId = context.Time.GetUtcNow().ToUnixTimeSeconds() * 10_000_000;
        try
        {
            await foreach (var line in source.ReadLinesAsync(cancellationToken))
            {
                counters.AddRead();
                if (pacer is not null)
                {
                    await pacer.WaitAsync(cancellationToken);
                }

                await slots.WaitAsync(cancellationToken);
                _ = DeliverAsync(sender, line, ++nextId, slots, cancellationToken);
            }
        }
        finally
        {
            // Wait for every delivery in flight (they stop promptly on cancellation) before the summary is printed.
            for (var i = 0; i < settings.Concurrency; i++)
            {
                await slots.WaitAsync(CancellationToken.None);
            }
        }

        return true;
    }

    private async Task DeliverAsync(PushSender sender, NdjsonLine line, long id, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            await sender.DeliverAsync(line.Data, id, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopped by Ctrl-C: the message stays unconfirmed and the summary says so.
        }
        finally
        {
            counters.AddBytesDone(line.SourceBytes);
            slots.Release();
        }
    }
}
