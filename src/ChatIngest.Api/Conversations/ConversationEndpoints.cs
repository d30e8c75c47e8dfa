using ChatIngest.Api.Hosting;
using ChatIngest.Core.Warehouse;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ChatIngest.Api.Conversations;

/// <summary>Reads of the view <c>customer_courier_conversations</c>.</summary>
internal static class ConversationEndpoints
{
    public static IEndpointRouteBuilder MapConversationEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/conversations").WithTags("Conversations").RequireStrictQuery().RequireReadLimit();
        group.MapGet("/", ListAsync)
            .WithSummary("Rows of the view, ordered by order_id, keyset-paged")
            .WithDescription("started_after is inclusive, started_before exclusive; has_city=false keeps the conversations whose order "
                + "event has not arrived (city_code null), has_city=true the others; page_token comes from next_page_token.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/{order_id:long}", GetAsync).WithSummary("One order's row of the view")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        // Any other id names no order either: 404 as API.md says, but saying why rather than a bare "Not Found".
        group.MapGet("/{order_id}", ([FromRoute(Name = "order_id")] string orderId) =>
                NoConversation($"The view has no row for order '{orderId}': order ids are whole numbers (a 64-bit integer)."))
            .ExcludeFromDescription();
        return app;
    }

    internal static async Task<Results<Ok<ConversationPage>, ProblemHttpResult>> ListAsync(
        IWarehouse warehouse,
        [FromQuery(Name = "city_code")] string? cityCode,
        [FromQuery(Name = "has_city")] string? hasCity,
        [FromQuery(Name = "first_message_by")] string? firstMessageBy,
        [FromQuery(Name = "started_after")] string? startedAfter,
        [FromQuery(Name = "started_before")] string? startedBefore,
        [FromQuery(Name = "limit")] string? limit,
        [FromQuery(Name = "page_token")] string? pageToken,
        CancellationToken cancellationToken)
    {
        if (!QueryParsing.TryLimit(limit, out var pageSize, out var error)
            || !QueryParsing.TryStartedRange(startedAfter, startedBefore, out var after, out var before, out error))
        {
            return Problems.BadRequest("A query parameter is invalid.", error);
        }

        if (!TryCity(cityCode, hasCity, out var withCity, out error))
        {
            return Problems.BadRequest("A query parameter is invalid.", error);
        }

        string? role = null;
        if (firstMessageBy is not null)
        {
            role = firstMessageBy.ToUpperInvariant() switch
            {
                "COURIER" => "Courier",
                "CUSTOMER" => "Customer",
                _ => null,
            };
            if (role is null)
            {
                return Problems.BadRequest("A query parameter is invalid.", $"first_message_by must be Courier or Customer; got '{firstMessageBy}'.");
            }
        }

        long? afterOrderId = null;
        if (!string.IsNullOrEmpty(pageToken)) // an empty token, as from "page_token=" before a first page, is the first page
        {
            if (!PageToken.TryReadConversation(pageToken, out var last))
            {
                return Problems.BadRequest("The page token is not valid.", "Pass next_page_token from the previous page unchanged.");
            }

            afterOrderId = last;
        }

        var query = new ConversationQuery(cityCode, role, after, before, afterOrderId, pageSize, withCity);
        var page = await warehouse.ListConversationsAsync(query, cancellationToken);
        return TypedResults.Ok(new ConversationPage(page.Items, page.NextPageToken));
    }

    internal static async Task<Results<Ok<ConversationRow>, ProblemHttpResult>> GetAsync(
        IWarehouse warehouse, [FromRoute(Name = "order_id")] long orderId, CancellationToken cancellationToken)
    {
        var row = await warehouse.GetConversationAsync(orderId, cancellationToken);
        return row is null
            ? NoConversation($"The view has no row for order {orderId}: no valid chat message for it has been stored.")
            : TypedResults.Ok(row);
    }

    /// <summary>
    /// has_city is true or false (any case); a city_code is never empty (VIEW.md), so an empty one is a mistake, and
    /// city_code with has_city=false could match nothing.
    /// </summary>
    private static bool TryCity(string? cityCode, string? hasCity, out bool? withCity, out string error)
    {
        withCity = null;
        error = string.Empty;
        if (hasCity is not null)
        {
            if (!bool.TryParse(hasCity, out var parsed))
            {
                error = $"has_city must be true or false; got '{hasCity}'.";
                return false;
            }

            withCity = parsed;
        }

        if (cityCode is { Length: 0 })
        {
            error = "city_code must not be empty; for the conversations whose order event has not arrived (city_code null), use has_city=false.";
            return false;
        }

        if (cityCode is not null && withCity == false)
        {
            error = $"city_code={cityCode} and has_city=false match nothing together: a conversation with a city_code has a city.";
            return false;
        }

        return true;
    }

    private static ProblemHttpResult NoConversation(string detail) =>
        TypedResults.Problem(title: "No conversation for this order.", detail: detail, statusCode: StatusCodes.Status404NotFound);
}
