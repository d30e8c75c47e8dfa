using System.Text.Json;
using ChatIngest.Api.Hosting;
using ChatIngest.Core.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Push;

/// <summary>
/// <c>POST /pubsub/push</c>: one Pub/Sub push delivery. 204 acknowledges, so it is sent only after the commit that
/// holds the message (or its dead letter); a duplicate is acknowledged too. 503 makes Pub/Sub retry.
/// </summary>
internal static class PushEndpoints
{
    public static IEndpointRouteBuilder MapPushEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/pubsub").WithTags("Ingest");
        group.MapPost("/push", PushAsync)
            .WithSummary("Receive one Pub/Sub push delivery")
            .WithDescription("Answers 204 once the message is durably stored (or parked in dead_letters, or was a duplicate).");
        return app;
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> PushAsync(
        HttpContext http, PushDecoder decoder, IngestQueue queue, IOptions<IngestOptions> options, CancellationToken cancellationToken)
    {
        PushEnvelope? envelope;
        try
        {
            envelope = await JsonSerializer.DeserializeAsync(http.Request.Body, PushEnvelopeJsonContext.Default.PushEnvelope, cancellationToken);
        }
        catch (JsonException e)
        {
            return Problems.BadRequest("The body is not a Pub/Sub push envelope.", e.Message);
        }

        var decoded = decoder.Decode(envelope);
        if (decoded.Record is not { } record)
        {
            return Problems.BadRequest("The body is not a usable Pub/Sub push envelope.", decoded.Problem);
        }

        var request = new WriteRequest([record]);
        if (!queue.TryEnqueue(request))
        {
            return Problems.Unavailable(http, options, "ChatIngest is at capacity.", "The ingest queue is full or shutting down; retry later.");
        }

        try
        {
            await request.Completion;
            return TypedResults.NoContent();
        }
        catch (WarehouseUnavailableException e)
        {
            return Problems.Unavailable(http, options, "The warehouse is unavailable.", e.Message);
        }
    }
}
