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
            // NameEquals compares the UTF-8 name in place; JsonProperty.Name would allocate a string per call.
            if (property.NameEquals("senderAppType"u8)) { p.SenderAppType = property.Value; }
            else if (property.NameEquals("orderId"u8)) { p.OrderId = property.Value; }
            else if (property.NameEquals("messageSentTime"u8)) { p.MessageSentTime = property.Value; }
            else if (property.NameEquals("fromId"u8)) { p.FromId = property.Value; }
            else if (property.NameEquals("toId"u8)) { p.ToId = property.Value; }
            else if (property.NameEquals("courierId"u8)) { p.CourierId = property.Value; }
            else if (property.NameEquals("customerId"u8)) { p.CustomerId = property.Value; }
            else if (property.NameEquals("chatStartedByMessage"u8)) { p.ChatStartedByMessage = property.Value; }
            else if (property.NameEquals("orderStage"u8)) { p.OrderStage = property.Value; }
            // Unknown extra fields are ignored (they still count for the content key).
        }

        return p;
    }
}
