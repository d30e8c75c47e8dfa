namespace ChatIngest.Core.Warehouse;

/// <summary>One stored dead letter: the raw data and why it could not become a row.</summary>
public sealed record DeadLetterRow(
    string MessageId,
    string Reason,
    string Detail,
    DateTime PublishTime,
    DateTime ReceivedAt,
    byte[] Data);
