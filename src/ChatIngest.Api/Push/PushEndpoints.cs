using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using ChatIngest.Api.Hosting;
using ChatIngest.Core.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Push;

/// <summary>
/// <c>POST /pubsub/push</c>: one Pub/Sub push delivery; <c>POST /pubsub/push/unwrapped</c>: the same for a
/// subscription that sends the data as the body (<c>--push-no-wrapper</c>). 204 acknowledges, so it is sent only after
/// the commit that holds the message (or its dead letter); a duplicate is acknowledged too. 503 makes Pub/Sub retry:
/// the queue is full, the warehouse is down, or the commit did not come within <see cref="PushOptions.Deadline"/>.
/// The group's policy: the body limit (413) and, when configured, the OIDC token check (401/403).
/// </summary>
internal static class PushEndpoints
{
    public static IEndpointRouteBuilder MapPushEndpoints(this IEndpointRouteBuilder app)
    {
        var limits = app.ServiceProvider.GetRequiredService<IOptions<PushOptions>>().Value;
        var group = app.MapGroup("/pubsub").WithTags("Ingest")
            .WithMetadata(new RequestSizeLimitAttribute(limits.MaxBodyBytes))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        var auth = app.ServiceProvider.GetRequiredService<IOptions<PushAuthOptions>>().Value;
        var services = app.ServiceProvider.GetRequiredService<PushServices>();
        if (auth.Enabled)
        {
            group.AddEndpointFilter<PushAuthFilter>();
            services.Log.AuthOn(auth.Audience!, auth.ServiceAccountEmail!);
        }
        else
        {
            services.Log.AuthOff();
        }

        group.MapPost("/push", (HttpContext http, CancellationToken cancellationToken) => PushAsync(http, services, cancellationToken))
            .WithSummary("Receive one Pub/Sub push delivery")
            .WithDescription("Answers 204 once the message is durably stored (or parked in dead_letters, or was a duplicate).")
            .WithMetadata(new DocumentedBody("application/json", typeof(PushEnvelope), "A Pub/Sub push envelope (message.data is base64)."));
        group.MapPost("/push/unwrapped", (HttpContext http, CancellationToken cancellationToken) =>
                UnwrappedPushAsync(http, services, cancellationToken))
            .WithSummary("Receive one unwrapped Pub/Sub push delivery (--push-no-wrapper)")
            .WithDescription("The body is the message's data itself. The id and publish time are read from the "
                + "x-goog-pubsub-message-id and x-goog-pubsub-publish-time headers (--push-no-wrapper-write-metadata); "
                + "without them the id is 'sha256:' and the data's SHA-256, and the publish time is the time of receipt. "
                + "With them, a Content-Encoding header is one of the message's attributes (Pub/Sub writes each as a header) "
                + "and the body is read as it is; without them, it is a 415 as on POST /pubsub/push. "
                + "Answers as POST /pubsub/push does.")
            .WithMetadata(new DocumentedBody("application/json", null, "The message's data: one chat message or order event as JSON."));
        return app;
    }

    internal static Task<Results<NoContent, ProblemHttpResult>> PushAsync(
        HttpContext http, PushServices services, CancellationToken cancellationToken) =>
        ReceiveAsync(http, services, services.Decoder, static (body, decoder) =>
        {
            if (body.IsEmpty)
            {
                throw new JsonException(EnvelopeErrors.Empty); // System.Text.Json's own says "isFinalBlock"
            }

            var settings = PushEnvelopeJsonContext.Default.Options; // one place for depth and trailing commas
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = settings.MaxDepth, AllowTrailingCommas = settings.AllowTrailingCommas });
            var envelope = JsonSerializer.Deserialize(ref reader, PushEnvelopeJsonContext.Default.PushEnvelope);
            if (reader.Read()) // reading past the envelope is the check: the reader throws for anything but white space
            {
                throw new JsonException("The body has more after the envelope.");
            }

            return decoder.Decode(envelope);
        }, "The body is not a usable Pub/Sub push envelope.", cancellationToken);

    internal static Task<Results<NoContent, ProblemHttpResult>> UnwrappedPushAsync(
        HttpContext http, PushServices services, CancellationToken cancellationToken)
    {
        var headers = http.Request.Headers;
        var delivery = (services.Decoder, Id: Header(headers, UnwrappedPushHeaders.MessageId), PublishTime: Header(headers, UnwrappedPushHeaders.PublishTime));

        // With write-metadata, Pub/Sub writes each attribute as a header of its name, and it never compresses a push:
        // a Content-Encoding beside its metadata is a message's attribute. Read as the body's, it was a 415 at every
        // delivery of a good message.
        var encodingIsAnAttribute = delivery.Id is not null;
        return ReceiveAsync(http, services, delivery, static (body, d) => d.Decoder.DecodeUnwrapped(body, d.Id, d.PublishTime),
            "The unwrapped push is not usable.", cancellationToken, encodingIsAnAttribute); // its metadata, or a wrapped delivery
    }

    /// <summary>
    /// Both forms of push: the body read whole and decoded, the record queued, and the answer once its commit is in:
    /// 204, or 503 so that Pub/Sub delivers it again.
    /// </summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> ReceiveAsync<TState>(
        HttpContext http, PushServices services, TState state, Func<ReadOnlySequence<byte>, TState, PushDecodeResult> decode,
        string unusableTitle, CancellationToken cancellationToken, bool encodingIsAnAttribute = false)
    {
        var (_, queue, metrics, log, deadlines, options, push) = services;

        // Counted and logged: Pub/Sub sends a refused push again and again, and only these lines say why.
        ProblemHttpResult Unusable(ProblemHttpResult problem, string reason)
        {
            metrics.Rejected(reason);
            log.Unusable(problem.StatusCode, problem.ProblemDetails.Detail);
            return problem;
        }

        if (!encodingIsAnAttribute && ContentEncodings.IsEncoded(http.Request, out var encoding))
        {
            return Unusable(Problems.Compressed(http, "The push body must not be compressed.",
                $"Content-Encoding '{encoding}' is not read here, and Pub/Sub sends push bodies as they are; nothing was stored."), "compressed");
        }

        PushDecodeResult decoded;
        long bodyBytes;
        try
        {
            (decoded, bodyBytes) = await ReadBodyAsync(http.Request.BodyReader, state, decode, cancellationToken);
        }
        catch (JsonException e) // only the envelope's reader throws it
        {
            return Unusable(Problems.BadRequest("The body is not a Pub/Sub push envelope.", EnvelopeErrors.Describe(e)), "bad_request");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Unusable(TypedResults.Problem(
                title: "The push body is too large.",
                detail: $"The limit is {push.Value.MaxBodyBytes} bytes (Push__MaxBodyBytes).",
                statusCode: StatusCodes.Status413PayloadTooLarge), "too_large");
        }

        if (decoded.Record is not { } record)
        {
            return Unusable(Problems.BadRequest(unusableTitle, decoded.Problem), "bad_request");
        }

        metrics.Received();
        var messageId = record.Delivery.MessageId;
        var request = new WriteRequest([record], bodyBytes);
        if (!queue.TryEnqueue(request))
        {
            if (queue.IsClosed)
            {
                metrics.Rejected("stopping");
                log.Stopping(messageId);
                return Problems.Unavailable(http, options, "ChatIngest is stopping.",
                    "It takes no new pushes while it stores the ones it has; retry later (Pub/Sub does, on another instance if there is one).");
            }

            metrics.Rejected("queue_full");
            log.QueueFull(messageId);
            return Problems.Unavailable(http, options, "ChatIngest is at capacity.", "The ingest queue is full; retry later.");
        }

        try
        {
            if (!request.Completion.IsCompleted)
            {
                deadlines.Watch(request);
            }

            _ = await request.Completion;
            log.Stored(messageId);
            return TypedResults.NoContent();
        }
        catch (WarehouseUnavailableException e)
        {
            metrics.Rejected("warehouse_unavailable");
            log.WarehouseUnavailable(messageId);
            return Problems.Unavailable(http, options, "The warehouse is unavailable.", e.Message);
        }
        catch (TimeoutException)
        {
            // Still queued, it is dropped by the writer; already in a commit, it may still land, and the redelivery is
            // then a duplicate, which changes nothing.
            metrics.Rejected("deadline");
            log.DeadlinePassed(messageId);
            return Problems.Unavailable(http, options, "The write did not commit in time.",
                $"Not stored within {push.Value.Deadline.TotalSeconds} s (Push__Deadline); Pub/Sub will deliver it again.");
        }
    }

    /// <summary>
    /// A metadata header's value, or null when Pub/Sub did not write it. With write-metadata, Pub/Sub also writes each
    /// attribute as a header, and an attribute may be named like a metadata header: Pub/Sub's own comes first, and a
    /// joined "value,attribute" would make a poison message of a good one (400 for its publish time, every delivery).
    /// So the first value, also where the two came on one line (a proxy may merge them): a message id and an RFC 3339
    /// time have no comma.
    /// </summary>
    private static string? Header(IHeaderDictionary headers, string name)
    {
        if (!headers.TryGetValue(name, out var values) || values.Count == 0 || values[0] is not { } first)
        {
            return null;
        }

        var comma = first.IndexOf(',', StringComparison.Ordinal);
        return comma < 0 ? first : first[..comma].TrimEnd();
    }

    /// <summary>
    /// Buffers the whole body in the request's pipe (Kestrel enforces the size limit while reading), then parses it in
    /// one synchronous pass: cheaper per push than the serializer's stream path, which copies into its own buffers.
    /// Returns what was parsed and the body's length.
    /// </summary>
    private static async ValueTask<(T Parsed, long Bytes)> ReadBodyAsync<TState, T>(
        PipeReader body, TState state, Func<ReadOnlySequence<byte>, TState, T> parse, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await body.ReadAsync(cancellationToken);
            if (!read.IsCompleted)
            {
                body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                continue;
            }

            try
            {
                return (parse(read.Buffer, state), read.Buffer.Length);
            }
            finally
            {
                body.AdvanceTo(read.Buffer.End);
            }
        }
    }
}
