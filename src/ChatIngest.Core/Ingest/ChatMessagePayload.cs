using System.Text.Json;

namespace ChatIngest.Core.Ingest;

/// <summary>The fields of a chat message as they arrived, before validation; absent fields are null.</summary>
internal sealed class ChatMessagePayload
{
    public JsonElement? SenderAppType { get; set; }
    public JsonElement? OrderId { get; set; }
    public JsonElement? MessageSentTime { get; set; }
    public JsonElement? FromId { get; set; }
    public JsonElement? ToId { get; set; }
    public JsonElement? CourierId { get; set; }
    public JsonElement? CustomerId { get; set; }
    public JsonElement? ChatStartedByMessage { get; set; }
    public JsonElement? OrderStage { get; set; }

    public static ChatMessagePayload From(JsonElement root)
    {
        var p = new ChatMessagePayload();
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "senderAppType": p.SenderAppType = property.Value; break;
                case "orderId": p.OrderId = property.Value; break;
                case "messageSentTime": p.MessageSentTime = property.Value; break;
                case "fromId": p.FromId = property.Value; break;
                case "toId": p.ToId = property.Value; break;
                case "courierId": p.CourierId = property.Value; break;
                case "customerId": p.CustomerId = property.Value; break;
                case "chatStartedByMessage": p.ChatStartedByMessage = property.Value; break;
                case "orderStage": p.OrderStage = property.Value; break;
                default: break; // unknown extra fields are ignored (they still count for the content key)
            }
        }

        return p;
    }
}
