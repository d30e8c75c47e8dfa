namespace ChatIngest.Core.Messages;

/// <summary>How one message reached us: its Pub/Sub id, when Pub/Sub published it, and when we received it (all UTC).</summary>
public readonly record struct Delivery(string MessageId, DateTime PublishTime, DateTime ReceivedAt);
