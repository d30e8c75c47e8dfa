using System.Text.Json;

namespace ChatIngest.Core.Ingest;

/// <summary>The fields of an order event as they arrived, before validation; absent fields are null.</summary>
internal sealed class OrderEventPayload
{
    public JsonElement? OrderId { get; set; }
    public JsonElement? CityCode { get; set; }

    public static OrderEventPayload From(JsonElement root) => new()
    {
        OrderId = root.TryGetProperty("orderId", out var orderId) ? orderId : null,
        CityCode = root.TryGetProperty("cityCode", out var cityCode) ? cityCode : null,
    };
}
