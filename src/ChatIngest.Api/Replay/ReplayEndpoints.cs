using System.Globalization;
using System.IO.Pipelines;
using ChatIngest.Api.Hosting;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Replay;

/// <summary>
/// <c>POST /replay</c>: NDJSON, one raw message per line, read as a stream of any size. Lines travel to the writer in
/// chunks (one request each), a few chunks in flight at once; the answer comes after every line is committed.
/// Each line gets a message id <c>replay-{request start µs}-{line number}</c> (no two replays of a service start in the
/// same microsecond: <see cref="ReplayStarts"/>) and the request's start as publish time,
/// so later lines of one replay count as published later.
/// </summary>
internal static class ReplayEndpoints
{
    private const int ChunksInFlight = 4;

    /// <summary>
    /// A chunk is also cut once its lines pass this many bytes: lines may be up to 10 MiB each, and 500 of them would be
    /// gigabytes held by one replay (a chunk filling, two being classified, four with the writer).
    /// </summary>
    private const int ChunkBytes = 4 << 20;
    private const int ClassifyingChunks = 2;

    public static IEndpointRouteBuilder MapReplayEndpoints(this IEndpointRouteBuilder app)
    {
        // A replay is a stream of any size: the body limit is per line (Ingest__MaxReplayLineBytes), not per request.
        var group = app.MapGroup("/replay").WithTags("Ingest").WithMetadata(new DisableRequestSizeLimitAttribute());
        var token = app.ServiceProvider.GetRequiredService<IOptions<ReplayOptions>>().Value.Token;
        var development = app.ServiceProvider.GetRequiredService<IHostEnvironment>().IsDevelopment();
        if (!string.IsNullOrEmpty(token) || !development)
        {
            group.AddEndpointFilter<ReplayAuthFilter>();
        }

        group.MapPost("", ReplayAsync).WithSummary("Replay NDJSON lines as if each were one Pub/Sub message")
            .WithDescription("The body is NDJSON as it is, in UTF-8: a body with a Content-Encoding other than identity, one that "
                + "is a gzip, zstd or xz file, one that starts with a UTF-16 or UTF-32 byte order mark, or a form "
                + "(application/x-www-form-urlencoded, multipart/*) is 415. A body that breaks off is 400, saying which lines were stored.")
            .WithMetadata(new DocumentedBody("application/x-ndjson", null, "One message per line, as a Pub/Sub message's data would hold it."))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    internal static async Task<Results<Ok<ReplayResult>, ProblemHttpResult>> ReplayAsync(
        HttpContext http, PayloadClassifier classifier, IngestQueue queue, IngestMetrics metrics, ReplayStarts starts,
        IOptions<IngestOptions> options, IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        var startMicroseconds = starts.Next();
        var started = DateTime.UnixEpoch.AddTicks(startMicroseconds * 10);
        var idPrefix = $"replay-{startMicroseconds}-";
        var chunkSize = options.Value.ReplayChunkLines;
        var inFlight = new Queue<WriteRequest>();
        var classifying = new Queue<Task<(List<IngestRecord> Records, long Bytes)>>();
        var chunk = new List<(ReadOnlyMemory<byte> Line, string Id)>(chunkSize);
        var chunkBytes = 0L;
        var total = default(WriteSummary);
        long received = 0; // lines with content: each a message
        long lastLine = 0; // the number of the last of them in the body, blank lines counted (as sed -n and tail -n count)

        // Lines are read on the request's thread and classified a chunk at a time on the thread pool (JSON, the
        // validators and the content key are most of replay's CPU); chunks go to the writer in line order. Once read, a
        // line goes to the writer whatever the client does: a body cut off by the client's going away (which cancels
        // the request) stores what came before the cut, as the answer it may never read says.
        async Task SendChunkAsync(bool last)
        {
            if (chunk.Count > 0)
            {
                var (lines, bytes) = (chunk, chunkBytes);
                chunk = new List<(ReadOnlyMemory<byte> Line, string Id)>(chunkSize);
                chunkBytes = 0;
                classifying.Enqueue(Task.Run(() => (lines.ConvertAll(l => classifier.Classify(l.Line, new Delivery(l.Id, started, started))), bytes), CancellationToken.None));
            }

            while (classifying.Count > (last ? 0 : ClassifyingChunks))
            {
                var (records, bytes) = await classifying.Dequeue();
                await WriteAsync(records, bytes);
            }
        }

        async Task WriteAsync(List<IngestRecord> records, long bytes)
        {
            var request = new WriteRequest(records, bytes);
            metrics.Received(request.Records.Count);
            await queue.EnqueueAsync(request, CancellationToken.None);
            inFlight.Enqueue(request);
            if (inFlight.Count >= ChunksInFlight)
            {
                total += await inFlight.Dequeue().Completion;
            }
        }

        // Read as NDJSON, compressed bytes would only be parked line by line as invalid messages. Decompressing here
        // is not offered: .NET's decompressors end a truncated stream as if it were whole, so a cut-off file would be
        // replayed in part and answered 200. A compressed file sent without the header is the line reader's to refuse.
        ProblemHttpResult Compressed(string what, string format)
        {
            var send = NdjsonStart.Decompression(format) is var (command, extension)
                ? $"e.g. {command} file.ndjson{extension} | curl -X POST -T - …"
                : "decompressed first, e.g. curl -X POST -T file.ndjson …";
            return Problems.Compressed(http, "The replay body must not be compressed.",
                $"{what}; nothing was stored. Send the NDJSON as it is, {send}.");
        }

        if (ContentEncodings.IsEncoded(http.Request, out var encoding))
        {
            return Compressed($"Content-Encoding '{encoding}' is not read here", encoding);
        }

        // A form is not NDJSON: curl -d (which sends this type) takes the line breaks out, making the file one invalid
        // line, and a multipart body's boundaries and part headers would be parked as invalid lines, all answered 200.
        // Any other type (none, text/plain, application/json) is read as NDJSON, as curl -T sends it.
        if (http.Request.HasFormContentType || http.Request.ContentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true)
        {
            return TypedResults.Problem(
                title: "The replay body must be NDJSON, not a form.",
                detail: $"Content-Type '{http.Request.ContentType}' is a form; nothing was stored. Send the file as it is, with its line breaks: "
                    + "curl -H 'Content-Type: application/x-ndjson' --data-binary @FILE …/replay, or curl -X POST -T FILE …/replay.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        // The service stopping ends the read, not the lines read: they are stored and the answer says how far it got.
        // (Left reading, the replay would be cut off with a reset when the host's shutdown timeout ran out.)
        // The read is ended by cancelling the body's pending read, not by a token: a Content-Length body whose read a token
        // cancelled stays "in progress" to Kestrel, whose drain of the rest then failed with an error and a stack trace.
        using var stopping = lifetime.ApplicationStopping.Register(static body => ((PipeReader)body!).CancelPendingRead(), http.Request.BodyReader);
        var stopped = false;
        LineTooLongException? tooLong = null;
        BadHttpRequestException? badBody = null;
        try
        {
            try
            {
                await foreach (var line in NdjsonLineReader.ReadLinesAsync(http.Request.BodyReader, options.Value.MaxReplayLineBytes, cancellationToken))
                {
                    received++;
                    lastLine = line.Number;
                    var id = idPrefix + line.Number.ToString("D10", CultureInfo.InvariantCulture);
                    chunk.Add((line.Data, id));
                    chunkBytes += line.Data.Length;
                    if (chunk.Count >= chunkSize || chunkBytes >= ChunkBytes)
                    {
                        await SendChunkAsync(last: false);
                    }
                }
            }
            catch (LineTooLongException e)
            {
                tooLong = e; // store what came before it, then refuse the rest
            }
            catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                stopped = true;
            }
            catch (CompressedNdjsonException e)
            {
                // Thrown before the first line, so nothing was sent to the writer.
                return Compressed($"The body is {e.Format}-compressed (it starts with {e.Format}'s magic bytes)", e.Format);
            }
            catch (NotUtf8NdjsonException e)
            {
                // Also before the first line.
                return TypedResults.Problem(
                    title: "The replay body must be UTF-8.",
                    detail: $"It starts with {e.Encoding}'s byte order mark; nothing was stored. Convert it first, e.g. iconv -f {e.Encoding} -t UTF-8 FILE | curl -X POST -T - ….",
                    statusCode: StatusCodes.Status415UnsupportedMediaType);
            }
            catch (BadHttpRequestException e)
            {
                // The body broke off or was malformed (a bad chunk, fewer bytes than its Content-Length, too slow): what
                // was read before is stored, as past a line that is too long, and the answer says how far that went.
                // (Where the client has gone, Kestrel writes no answer.)
                badBody = e;
            }

            await SendChunkAsync(last: true);

            while (inFlight.Count > 0)
            {
                total += await inFlight.Dequeue().Completion;
            }
        }
        catch (Exception e) when (e is WarehouseUnavailableException or System.Threading.Channels.ChannelClosedException)
        {
            return Problems.Unavailable(http, options, "The warehouse did not take the replay.",
                $"Stopped after {Lines(received)}; replaying the whole file again is safe (duplicates change nothing).");
        }

        if (stopped)
        {
            // The rest of the body is not read, so this connection is not kept for another request. (Kestrel still
            // waits for the client to stop sending before it lets the connection go, which can hold the stop to its
            // timeout; closing it here instead made Linux reset it, and the client lost this answer.)
            http.Response.Headers.Connection = "close";
            return Problems.Unavailable(http, options, "The service is stopping.",
                $"Stopped reading after {Lines(received)}, which {Are(received)} stored; {After(lastLine)}.");
        }

        if (badBody is not null)
        {
            return TypedResults.Problem(
                title: "The replay body could not be read to its end.",
                detail: $"{badBody.Message} {(received == 0 ? "No line was stored" : $"The {Lines(received)} read before it {Are(received)} stored")}; {After(lastLine)}.",
                statusCode: badBody.StatusCode);
        }

        if (tooLong is not null)
        {
            return TypedResults.Problem(
                title: "A replay line is too long.",
                detail: $"{tooLong.Message} It and the rest were not read; {(received == 0 ? "no line before it was stored" : $"the {Lines(received)} before it {Are(received)} stored")}. "
                    + $"No Pub/Sub message is that long, so the file would stop here again: to go on, send the lines after it, e.g. tail -n +{tooLong.LineNumber + 1} FILE | curl -X POST -T - ….",
                statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        return TypedResults.Ok(new ReplayResult(received, total.Orders, total.Messages, total.Duplicates, total.Invalid));
    }

    private static string Lines(long count) => count == 1 ? "1 line" : string.Create(CultureInfo.InvariantCulture, $"{count:N0} lines");

    /// <summary>What to send again after the body's line <paramref name="last"/>, every line up to it stored.</summary>
    private static string After(long last) => last == 0
        ? "send the file again"
        : string.Create(CultureInfo.InvariantCulture, $"send the lines after line {last:N0} again, e.g. tail -n +{last + 1} FILE | curl -X POST -T - … (or the whole file: duplicates change nothing)");

    private static string Are(long count) => count == 1 ? "is" : "are";
}
