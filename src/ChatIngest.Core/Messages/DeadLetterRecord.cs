namespace ChatIngest.Core.Messages;

/// <summary>
/// A payload that can never become a row: kept with its raw bytes and a machine-readable <see cref="Reason"/>
/// (one of <see cref="InvalidReason"/>) so it can be inspected and replayed once fixed.
/// </summary>
public sealed record DeadLetterRecord(Delivery Delivery, string Reason, string Detail, byte[] Data) : IngestRecord(Delivery)
{
    /// <summary>Dead letters are not deduplicated by content: each delivery with its own message id is kept.</summary>
    public override string ContentKey => Delivery.MessageId;
}
