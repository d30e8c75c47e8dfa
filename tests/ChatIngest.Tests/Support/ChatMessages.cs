using System.Globalization;

namespace ChatIngest.Tests.Support;

/// <summary>Valid chat-message payloads (VIEW.md), one conversation per order id.</summary>
public static class ChatMessages
{
    public static string Courier(long orderId, string stage = "ACCEPTED") =>
        string.Create(CultureInfo.InvariantCulture,
            $$"""{"senderAppType":"Courier Android","courierId":7,"fromId":7,"toId":9,"chatStartedByMessage":true,"orderId":{{orderId}},"orderStage":"{{stage}}","customerId":9,"messageSentTime":"2024-02-01T10:00:56Z"}""");
}
