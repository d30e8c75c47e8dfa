namespace ChatIngest.Core.Warehouse;

/// <summary>
/// A page of <c>GET /dead-letters</c>: keyset position (rows come ordered by (received_at, message_id)), size, and an
/// optional <see cref="Messages.InvalidReason"/> to keep only the dead letters of that reason.
/// </summary>
public sealed record DeadLetterQuery(DeadLetterPosition? After = null, int Limit = 100, string? Reason = null);

public readonly record struct DeadLetterPosition(DateTime ReceivedAt, string MessageId);
