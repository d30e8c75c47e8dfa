using System.Text.Json;
using ChatIngest.Api.Hosting;
using ChatIngest.Core.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Push;

/// <summary>
/// <c>POST /pubsub/push</c>: one Pub/Sub push delivery. 204 acknowledges, so it is sent only after the commit that
/// holds the message (or its dead letter); a duplicate is acknowledged too. 503 makes Pub/Sub retry: the queue is
/// full, the warehouse is down, or the commit did not come within <see cref="PushOptions.Deadline"/>.
/// The group's policy: the body limit (413) and, when configured, the OIDC token check (401/403).
/// </summary>
internal static class PushEndpoints
{
    public static IEndpointRouteBuilder MapPushEndpoints(this IEndpointRouteBuilder app)
    {
        var limits = app.ServiceProvider.GetRequiredService<IOptions<PushOptions>>().Value;
        var group = app.MapGroup("/pubsub").WithTags("Ingest")
            .WithMetadata(new RequestSizeLimitAttribute(limits.MaxBodyBytes));

        var auth = app.ServiceProvider.GetRequiredService<IOptions<PushAuthOptions>>().Value;
        var log = app.ServiceProvider.GetRequiredService<PushLog>();
        if (auth.Enabled)
        {
            group.AddEndpointFilter<PushAuthFilter>();
            log.AuthOn(auth.Audience!, auth.ServiceAccountEmail!);
        }
        else
        {
            log.AuthOff();
        }

        // The handler's services are singletons: resolved once here, not seven times per push.
        var services = app.ServiceProvider;
        var decoder = services.GetRequiredService<PushDecoder>();
        var queue = services.GetRequiredService<IngestQueue>();
        var metrics = services.GetRequiredService<IngestMetrics>();
        var ingest = services.GetRequiredService<IOptions<IngestOptions>>();
        var push = services.GetRequiredService<IOptions<PushOptions>>();
        var deadlines = services.GetRequiredService<PushDeadlines>();
        group.MapPost("/push", (HttpContext http, CancellationToken cancellationToken) =>
                PushAsync(http, decoder, queue, metrics, log, deadlines, ingest, push, cancellationToken))
            .WithSummary("Receive one Pub/Sub push delivery")
            .WithDescription("Answers 204 once the message is durably stored (or parked in dead_letters, or was a duplicate).");
        return app;
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> PushAsync(
        HttpContext http, PushDecoder decoder, IngestQueue queue, IngestMetrics metrics, PushLog log, PushDeadlines deadlines,
        IOptions<IngestOptions> options, IOptions<PushOptions> push, CancellationToken cancellationToken)
    {
        PushEnvelope? envelope;
        try
        {
            envelope = await ReadEnvelopeAsync(http.Request.BodyReader, cancellationToken);
        }
        catch (JsonException e)
        {
            return Problems.BadRequest("The body is not a Pub/Sub push envelope.", e.Message);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TypedResults.Problem(
                title: "The push body is too large.",
                detail: $"The limit is {push.Value.MaxBodyBytes} bytes (Push__MaxBodyBytes).",
                statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        var decoded = decoder.Decode(envelope);
        if (decoded.Record is not { } record)
        {
            return Problems.BadRequest("The body is not a usable Pub/Sub push envelope.", decoded.Problem);
        }

        metrics.Received();
        var messageId = record.Delivery.MessageId;
        var request = new WriteRequest([record]);
        if (!queue.TryEnqueue(request))
        {
            metrics.Rejected("queue_full");
            log.QueueFull(messageId);
            return Problems.Unavailable(http, options, "ChatIngest is at capacity.", "The ingest queue is full or shutting down; retry later.");
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
            // The commit may still land later; the redelivery is then a duplicate, which changes nothing.
            metrics.Rejected("deadline");
            log.DeadlinePassed(messageId, push.Value.Deadline.TotalMilliseconds);
            return Problems.Unavailable(http, options, "The write did not commit in time.",
                $"Not stored within {push.Value.Deadline.TotalSeconds} s (Push__Deadline); Pub/Sub will deliver it again.");
        }
    }

    /// <summary>
    /// Buffers the whole body in the request's pipe (Kestrel enforces the size limit while reading), then parses it in
    /// one synchronous pass: cheaper per push than the serializer's stream path, which copies into its own buffers.
    /// </summary>
    private static async ValueTask<PushEnvelope?> ReadEnvelopeAsync(System.IO.Pipelines.PipeReader body, CancellationToken cancellationToken)
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
                var settings = PushEnvelopeJsonContext.Default.Options; // one place for depth and trailing commas
                var reader = new Utf8JsonReader(read.Buffer, new JsonReaderOptions { MaxDepth = settings.MaxDepth, AllowTrailingCommas = settings.AllowTrailingCommas });
                var envelope = JsonSerializer.Deserialize(ref reader, PushEnvelopeJsonContext.Default.PushEnvelope);
                return reader.Read() ? throw new JsonException("The body has more after the envelope.") : envelope;
            }
            finally
            {
                body.AdvanceTo(read.Buffer.End);
            }
        }
    }
}
