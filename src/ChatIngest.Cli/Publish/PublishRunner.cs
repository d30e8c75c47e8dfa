using ChatIngest.Cli.Progress;
using ChatIngest.Cli.Sources;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Cli.Publish;

/// <summary>
/// Reads the source, fills batches up to Pub/Sub's limits and publishes them one after another (a 1,000-message
/// batch per request is already far faster than any push endpoint drains). A fatal answer stops the run.
/// </summary>
internal sealed class PublishRunner(PublishSettings settings, CliContext context, RunCounters counters)
{
    public async Task<bool> RunAsync(LineSource source, CancellationToken cancellationToken)
    {
        PubSubEndpoint endpoint;
        try
        {
            endpoint = await PubSubEndpoint.CreateAsync(settings.Topic, context, cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            counters.Stop($"no Application Default Credentials ({e.Message.ReplaceLineEndings(" ")}). {PubSubEndpoint.LogInHint}, "
                + $"or set {PubSubEndpoint.EmulatorVariable} for the emulator.");
            return false;
        }

        using var http = context.CreateHttpClient(settings.RequestTimeout);
        var publisher = new PubSubPublisher(http, endpoint, settings, context.Time, counters);
        var batch = new PublishBatch();
        long batchStarted = 0;

        // Publishes the batch (full, or due) and starts the next; false when the run is to stop.
        async Task<bool> SendBatchAsync()
        {
            var sent = await SendAsync(publisher, batch, cancellationToken);
            batch = new PublishBatch();
            return sent;
        }

        await using var lines = new LineFeed(source.ReadLinesAsync(cancellationToken), context.Time);
        while (true)
        {
            // A batch that is not full waits for more lines at most --max-delay from its first line, so a SOURCE
            // that trickles (tail -f … | publish -) is published as it comes; a file fills batches long before.
            var wait = batch.Count == 0 ? (TimeSpan?)null : settings.MaxDelay - context.Time.GetElapsedTime(batchStarted);
            if (await lines.NextAsync(wait, cancellationToken) is not { } more)
            {
                if (!await SendBatchAsync())
                {
                    return false;
                }

                continue;
            }

            if (!more)
            {
                break;
            }

            var read = lines.Current;
            if (!counters.Take(read))
            {
                if (read.TooLong)
                {
                    batch.Refuse(read.Number);
                }

                continue;
            }

            var (line, refusal) = AsPublished(read);
            if (refusal is not null)
            {
                counters.FailUnsent(read, refusal);
                batch.Refuse(read.Number);
                continue;
            }

            if (!batch.CanAdd(line.Data) && !await SendBatchAsync())
            {
                return false;
            }

            if (batch.Count == 0)
            {
                batchStarted = context.Time.GetTimestamp();
            }

            batch.Add(line);
        }

        return batch.Count == 0 || await SendAsync(publisher, batch, cancellationToken);
    }

    /// <summary>The line as it is published (its data decoded with --base64), or why no publish request can carry it.</summary>
    private (NdjsonLine Line, string? Refusal) AsPublished(NdjsonLine read)
    {
        var line = read;
        if (settings.Base64)
        {
            if (Decoded(read.Data) is not { } data)
            {
                return (read, $"line {read.Number} is not base64 (--base64)");
            }

            if (data.Length == 0)
            {
                // A line of a lone \r or \f: Pub/Sub refuses a message with neither data nor attributes, and with it
                // the whole batch (400), which stopped the run without naming the line.
                return (read, $"line {read.Number} decodes to no bytes, and Pub/Sub takes no empty message (--base64)");
            }

            line = read with { Data = data };
        }

        return PublishBatch.IsTooLarge(line.Data)
            ? (line, $"line {line.Number} is too large for one publish request ({line.Data.Length:N0} bytes)")
            : (line, null);
    }

    private static byte[]? Decoded(byte[] line)
    {
        var text = System.Text.Encoding.ASCII.GetString(line).Trim();
        var data = new byte[(text.Length / 4 * 3) + 3];
        return Convert.TryFromBase64String(text, data, out var length) ? data[..length] : null;
    }

    private async Task<bool> SendAsync(PubSubPublisher publisher, PublishBatch batch, CancellationToken cancellationToken)
    {
        PublishOutcome outcome;
        try
        {
            outcome = await publisher.PublishAsync(batch, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Batches go one after another: this one is the only one in doubt, and nothing after it was sent.
            counters.Stop($"{batch.Lines} were being published when stopped, so they may or may not be in the topic; "
                + $"nothing after them was published.");
            throw;
        }

        counters.AddBytesDone(batch.SourceBytes);
        return outcome is not PublishOutcome.Fatal;
    }
}
