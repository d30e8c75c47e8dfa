using ChatIngest.Api.Hosting;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Warehouse;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Health;

/// <summary>Liveness (the process runs) and readiness (the warehouse answers).</summary>
internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/").WithTags("Health");
        group.MapGet("/healthz", () => TypedResults.Ok(new HealthStatus("ok"))).WithSummary("200 while the process runs");
        group.MapGet("/readyz", ReadyAsync).WithSummary("200 when the warehouse answers, 503 otherwise")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    internal static async Task<Results<Ok<HealthStatus>, ProblemHttpResult>> ReadyAsync(
        IWarehouse warehouse, HttpContext http, IOptions<IngestOptions> options, CancellationToken cancellationToken) =>
        await warehouse.IsReadyAsync(cancellationToken)
            ? TypedResults.Ok(new HealthStatus("ready"))
            : Problems.Unavailable(http, options, "The warehouse does not answer.",
                "Its readiness query failed or did not answer in time; the service log says why.");
}

/// <summary>The answer of <c>/healthz</c> and <c>/readyz</c>: a named type, so the OpenAPI document names it validly.</summary>
internal sealed record HealthStatus(string Status);
