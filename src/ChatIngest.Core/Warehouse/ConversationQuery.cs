namespace ChatIngest.Core.Warehouse;

/// <summary>Filters and keyset position for <c>GET /conversations</c>; rows come ordered by order id.</summary>
public sealed record ConversationQuery(
    string? CityCode = null,
    string? FirstMessageBy = null,
    DateTime? StartedAfter = null,
    DateTime? StartedBefore = null,
    long? AfterOrderId = null,
    int Limit = 100);
