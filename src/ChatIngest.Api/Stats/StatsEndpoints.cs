using ChatIngest.Api.Hosting;
using ChatIngest.Core.Warehouse;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ChatIngest.Api.Stats;

/// <summary><c>GET /stats</c>: aggregates over the view, computed by SQL in the warehouse (API.md "/stats").</summary>
internal static class StatsEndpoints
{
    public static IEndpointRouteBuilder MapStatsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/stats", GetAsync).RequireStrictQuery().RequireReadLimit()
            .WithTags("Stats")
            .WithSummary("Totals, per-city response times and starters, last stages, conversations started per minute")
            .WithDescription("started_after is inclusive, started_before exclusive (RFC 3339); both bound conversation_started_at.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    internal static async Task<Results<Ok<ConversationStats>, ProblemHttpResult>> GetAsync(
        IWarehouse warehouse,
        [FromQuery(Name = "started_after")] string? startedAfter,
        [FromQuery(Name = "started_before")] string? startedBefore,
        CancellationToken cancellationToken)
    {
        if (!QueryParsing.TryStartedRange(startedAfter, startedBefore, out var after, out var before, out var error))
        {
            return Problems.BadRequest("A query parameter is invalid.", error);
        }

        return TypedResults.Ok(await warehouse.GetStatsAsync(new StatsQuery(after, before), cancellationToken));
    }
}
