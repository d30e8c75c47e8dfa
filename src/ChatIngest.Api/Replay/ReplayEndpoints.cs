using System.Globalization;
using ChatIngest.Api.Hosting;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Replay;

/// <summary>
/// <c>POST /replay</c>: NDJSON, one raw message per line, read as a stream of any size. Lines travel to the writer in
/// chunks (one request each), a few chunks in flight at once; the answer comes after every line is committed.
/// Each line gets a message id <c>replay-{request start µs}-{line number}</c> and the request's start as publish time,
/// so later lines of one replay count as published later.
/// </summary>
internal static class ReplayEndpoints
{
    private const int ChunksInFlight = 4;

    public static IEndpointRouteBuilder MapReplayEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/replay", ReplayAsync)
            .WithTags("Ingest")
            .WithSummary("Replay NDJSON lines as if each were one Pub/Sub message");
        return app;
    }

    internal static async Task<Results<Ok<ReplayResult>, ProblemHttpResult>> ReplayAsync(
        HttpContext http, PayloadClassifier classifier, IngestQueue queue, TimeProvider time,
        IOptions<IngestOptions> options, CancellationToken cancellationToken)
    {
        // A replay is a stream of any size (only lines are bounded): lift Kestrel's 30 MB body limit for it.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = null;
        }

        var started = Rfc3339.TruncateToMicroseconds(time.GetUtcNow().UtcDateTime);
        var idPrefix = $"replay-{(started - DateTime.UnixEpoch).Ticks / 10}-";
        var chunkSize = options.Value.ReplayChunkLines;
        var inFlight = new Queue<WriteRequest>();
        var chunk = new List<IngestRecord>(chunkSize);
        var total = default(WriteSummary);
        long lineNumber = 0;

        async Task SendChunkAsync()
        {
            var request = new WriteRequest(chunk);
            chunk = new List<IngestRecord>(chunkSize);
            await queue.EnqueueAsync(request, cancellationToken);
            inFlight.Enqueue(request);
            if (inFlight.Count >= ChunksInFlight)
            {
                total += await inFlight.Dequeue().Completion;
            }
        }

        try
        {
            await foreach (var line in NdjsonLineReader.ReadLinesAsync(http.Request.BodyReader, options.Value.MaxReplayLineBytes, cancellationToken))
            {
                lineNumber++;
                var id = idPrefix + lineNumber.ToString("D10", CultureInfo.InvariantCulture);
                chunk.Add(classifier.Classify(line, new Delivery(id, started, started)));
                if (chunk.Count >= chunkSize)
                {
                    await SendChunkAsync();
                }
            }

            if (chunk.Count > 0)
            {
                await SendChunkAsync();
            }

            while (inFlight.Count > 0)
            {
                total += await inFlight.Dequeue().Completion;
            }
        }
        catch (LineTooLongException e)
        {
            return TypedResults.Problem(
                title: "A replay line is too long.",
                detail: $"{e.Message} Line {lineNumber + 1} and later were not stored; the lines before it are being stored. Replaying the whole file again is safe.",
                statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        catch (Exception e) when (e is WarehouseUnavailableException or System.Threading.Channels.ChannelClosedException)
        {
            return Problems.Unavailable(http, options, "The warehouse did not take the replay.",
                $"Stopped after {lineNumber} lines; replaying the whole file again is safe (duplicates change nothing).");
        }

        return TypedResults.Ok(new ReplayResult(lineNumber, total.Orders, total.Messages, total.Duplicates, total.Invalid));
    }
}
