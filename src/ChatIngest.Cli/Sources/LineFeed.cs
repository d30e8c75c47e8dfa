using ChatIngest.Core.Ingest;

namespace ChatIngest.Cli.Sources;

/// <summary>
/// A SOURCE's lines one at a time, with a limit on how long to wait for the next: when none has come by then the
/// caller hears so (and can publish what it holds), while the read goes on and the next call takes it up. A wait ends
/// on cancellation too, even when the read itself does not: a read from a pipe cannot be cancelled, so one still
/// running at disposal is left to end on its own and the lines are closed after it.
/// </summary>
internal sealed class LineFeed(IAsyncEnumerable<NdjsonLine> lines, TimeProvider time) : IAsyncDisposable
{
    private readonly IAsyncEnumerator<NdjsonLine> reader = lines.GetAsyncEnumerator();
    private Task<bool>? pending;

    /// <summary>The line the last <see cref="NextAsync"/> that answered true read.</summary>
    public NdjsonLine Current => reader.Current;

    /// <summary>True: a line is in <see cref="Current"/>; false: the end; null: none came within <paramref name="wait"/> (null: no limit).</summary>
    public async Task<bool?> NextAsync(TimeSpan? wait, CancellationToken cancellationToken)
    {
        pending ??= reader.MoveNextAsync().AsTask();
        if (!pending.IsCompleted)
        {
            using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var limit = wait is { } w ? (w > TimeSpan.Zero ? w : TimeSpan.Zero) : Timeout.InfiniteTimeSpan;
            var first = await Task.WhenAny(pending, Task.Delay(limit, time, stopWaiting.Token));
            await stopWaiting.CancelAsync();
            if (first != pending)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return null;
            }
        }

        var read = pending;
        pending = null;
        return await read;
    }

    public async ValueTask DisposeAsync()
    {
        if (pending is { IsCompleted: false } read)
        {
            // Its failure, if it fails, is looked at (so not reported as unobserved) and dropped: the run is over.
            _ = read.ContinueWith(async r => { _ = r.Exception; await reader.DisposeAsync(); }, TaskScheduler.Default);
            return;
        }

        await reader.DisposeAsync();
    }
}
