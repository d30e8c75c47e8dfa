namespace ChatIngest.Core.Messages;

/// <summary>The side of the conversation a chat message comes from: the prefix of <c>senderAppType</c>.</summary>
public enum SenderRole
{
    Courier,
    Customer,
}
