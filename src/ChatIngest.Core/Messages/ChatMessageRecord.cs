namespace ChatIngest.Core.Messages;

/// <summary>A valid chat message. Times are UTC, truncated to microseconds like the warehouse stores them.</summary>
public sealed record ChatMessageRecord(
    Delivery Delivery,
    string Key,
    long OrderId,
    SenderRole Role,
    string SenderAppType,
    DateTime MessageSentTime,
    bool ChatStartedByMessage,
    string OrderStage,
    long FromId,
    long ToId,
    long CourierId,
    long CustomerId) : IngestRecord(Delivery)
{
    public override string ContentKey => Key;
}
