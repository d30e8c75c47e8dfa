namespace ChatIngest.Core.Warehouse;

/// <summary>One row of the view <c>customer_courier_conversations</c> (VIEW.md); times are UTC.</summary>
public sealed record ConversationRow(
    long OrderId,
    string? CityCode,
    DateTime? FirstCourierMessage,
    DateTime? FirstCustomerMessage,
    long NumMessagesCourier,
    long NumMessagesCustomer,
    string FirstMessageBy,
    DateTime ConversationStartedAt,
    long? FirstResponsetimeDelaySeconds,
    DateTime LastMessageTime,
    string LastMessageOrderStage);
