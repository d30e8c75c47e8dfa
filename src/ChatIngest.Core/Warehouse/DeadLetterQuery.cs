namespace ChatIngest.Core.Warehouse;

/// <summary>
/// A page of <c>GET /dead-letters</c>: keyset position (rows come ordered by (received_at, message_id)), size, and an
/// optional <see cref="Messages.InvalidReason"/> to keep only the dead letters of that reason.
/// A page also holds at most <see cref="DataBudgetBytes"/> of data: a dead letter keeps up to 10 MB, so 100 of them
/// would be a gigabyte in memory, and more as base64. It ends before the letter that would pass the budget (a next
/// page token then follows), but always shows its first letter, whatever its size.
/// </summary>
public sealed record DeadLetterQuery(DeadLetterPosition? After = null, int Limit = 100, string? Reason = null)
{
    /// <summary>16 MiB: a page of the largest letters Pub/Sub can carry shows one or two of them.</summary>
    public const long DefaultDataBudgetBytes = 16L * 1024 * 1024;

    public long DataBudgetBytes { get; init; } = DefaultDataBudgetBytes;

    /// <summary>
    /// How many of the letters whose data has these sizes, in page order, this page shows: up to <see cref="Limit"/>,
    /// and no more than <see cref="DataBudgetBytes"/> of data between them unless the first alone is more.
    /// </summary>
    public int Fitting(IEnumerable<long> dataBytes)
    {
        var shown = 0;
        var total = 0L;
        foreach (var bytes in dataBytes)
        {
            if (shown == Limit || (shown > 0 && total + bytes > DataBudgetBytes))
            {
                break;
            }

            total += bytes;
            shown++;
        }

        return shown;
    }
}

public readonly record struct DeadLetterPosition(DateTime ReceivedAt, string MessageId);
