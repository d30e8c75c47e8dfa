namespace ChatIngest.Core.Warehouse;

/// <summary>The answer of <c>GET /stats</c> (API.md): aggregates over the view, computed in the warehouse.</summary>
public sealed record ConversationStats(
    long Conversations,
    long Messages,
    IReadOnlyList<CityStats> Cities,
    IReadOnlyList<StageCount> LastStages,
    IReadOnlyList<MinuteCount> StartedPerMinute);

/// <summary>One city's conversations; percentiles are continuous (PERCENTILE_CONT) over non-NULL delays, else null.</summary>
public sealed record CityStats(
    string? CityCode,
    long Conversations,
    long Messages,
    double? MedianFirstResponseSeconds,
    double? P90FirstResponseSeconds,
    long StartedByCourier,
    long StartedByCustomer);

/// <summary>Conversations per <c>last_message_order_stage</c>.</summary>
public sealed record StageCount(string Stage, long Conversations);

/// <summary>Conversations per minute of <c>conversation_started_at</c> (UTC, truncated).</summary>
public sealed record MinuteCount(DateTime Minute, long Conversations);

/// <summary>The optional window of <c>GET /stats</c>: started_after inclusive, started_before exclusive.</summary>
public sealed record StatsQuery(DateTime? StartedAfter = null, DateTime? StartedBefore = null);
