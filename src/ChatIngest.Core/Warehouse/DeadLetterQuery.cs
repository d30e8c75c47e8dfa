namespace ChatIngest.Core.Warehouse;

/// <summary>Keyset position for <c>GET /dead-letters</c>; rows come ordered by (received_at, message_id).</summary>
public sealed record DeadLetterQuery(DeadLetterPosition? After = null, int Limit = 100);

public readonly record struct DeadLetterPosition(DateTime ReceivedAt, string MessageId);
