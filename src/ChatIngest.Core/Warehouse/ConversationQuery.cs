namespace ChatIngest.Core.Warehouse;

/// <summary>
/// Filters and keyset position for <c>GET /conversations</c>; rows come ordered by order id. <see cref="HasCity"/>
/// false keeps the conversations whose order event has not arrived (city_code NULL), true the others.
/// </summary>
public sealed record ConversationQuery(
    string? CityCode = null,
    string? FirstMessageBy = null,
    DateTime? StartedAfter = null,
    DateTime? StartedBefore = null,
    long? AfterOrderId = null,
    int Limit = 100,
    bool? HasCity = null);
