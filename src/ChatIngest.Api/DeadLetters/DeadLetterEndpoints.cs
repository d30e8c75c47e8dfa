using ChatIngest.Api.Hosting;
using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ChatIngest.Api.DeadLetters;

/// <summary>Reads of <c>dead_letters</c>: the messages that could never become rows, oldest first.</summary>
internal static class DeadLetterEndpoints
{
    public static IEndpointRouteBuilder MapDeadLetterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/dead-letters", ListAsync).WithTags("Dead letters").RequireStrictQuery().RequireReadLimit().WithSummary("Parked invalid messages, oldest first")
            .WithDescription("reason keeps only the dead letters of one reason (e.g. not_json); page_token comes from next_page_token. "
                + $"A page also ends before its data would pass {DeadLetterQuery.DefaultDataBudgetBytes / (1024 * 1024)} MiB (its first letter is shown whatever its size), so it may hold fewer than limit letters while a next_page_token follows.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    internal static async Task<Results<Ok<DeadLetterPage>, ProblemHttpResult>> ListAsync(
        IWarehouse warehouse,
        [FromQuery(Name = "limit")] string? limit,
        [FromQuery(Name = "page_token")] string? pageToken,
        [FromQuery(Name = "reason")] string? reason,
        CancellationToken cancellationToken)
    {
        if (!QueryParsing.TryLimit(limit, out var pageSize, out var error))
        {
            return Problems.BadRequest("A query parameter is invalid.", error);
        }

        if (reason is not null && !InvalidReason.All.Contains(reason, StringComparer.Ordinal))
        {
            return Problems.BadRequest("A query parameter is invalid.",
                $"reason must be one of {string.Join(", ", InvalidReason.All)}; got '{reason}'.");
        }

        DeadLetterPosition? after = null;
        if (!string.IsNullOrEmpty(pageToken)) // an empty token, as from "page_token=" before a first page, is the first page
        {
            if (!PageToken.TryReadDeadLetter(pageToken, out var last))
            {
                return Problems.BadRequest("The page token is not valid.", "Pass next_page_token from the previous page unchanged.");
            }

            after = last;
        }

        var page = await warehouse.ListDeadLettersAsync(new DeadLetterQuery(after, pageSize, reason), cancellationToken);
        return TypedResults.Ok(new DeadLetterPage(page.Items.Select(DeadLetterItem.From).ToList(), page.NextPageToken));
    }
}
