using ChatIngest.Core.Warehouse;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatIngest.Api.Health;

/// <summary>Liveness (the process runs) and readiness (the warehouse answers).</summary>
internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/").WithTags("Health");
        group.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).WithSummary("200 while the process runs");
        group.MapGet("/readyz", ReadyAsync).WithSummary("200 when the warehouse answers, 503 otherwise")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    internal static async Task<Results<Ok<ReadyStatus>, ProblemHttpResult>> ReadyAsync(IWarehouse warehouse, CancellationToken cancellationToken) =>
        await warehouse.IsReadyAsync(cancellationToken)
            ? TypedResults.Ok(new ReadyStatus("ready"))
            : TypedResults.Problem(title: "The warehouse does not answer.", statusCode: StatusCodes.Status503ServiceUnavailable);
}

internal sealed record ReadyStatus(string Status);
