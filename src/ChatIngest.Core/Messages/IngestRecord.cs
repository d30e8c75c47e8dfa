namespace ChatIngest.Core.Messages;

/// <summary>
/// One classified message on its way to the warehouse: an order event, a chat message, or a dead letter.
/// <see cref="ContentKey"/> identifies equal content (VIEW.md "Duplicates"); dead letters are keyed by message id.
/// </summary>
public abstract record IngestRecord(Delivery Delivery)
{
    public abstract string ContentKey { get; }
}
