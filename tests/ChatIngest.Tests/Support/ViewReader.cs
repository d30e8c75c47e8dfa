using System.Globalization;
using System.Text.Json;
using ChatIngest.Core.Warehouse;

namespace ChatIngest.Tests.Support;

/// <summary>Reads the service's view through <c>GET /conversations</c>, all pages, into <see cref="ConversationRow"/>s.</summary>
public static class ViewReader
{
    public static readonly string[] Columns =
    [
        "order_id", "city_code", "first_courier_message", "first_customer_message", "num_messages_courier",
        "num_messages_customer", "first_message_by", "conversation_started_at", "first_responsetime_delay_seconds",
        "last_message_time", "last_message_order_stage",
    ];

    /// <summary>Every row, all pages; <paramref name="filters"/> is the query's other parameters (<c>city_code=IST</c>).</summary>
    public static async Task<List<ConversationRow>> ReadAllAsync(HttpClient client, int pageSize = 1000, string filters = "") =>
        [.. (await client.GetAllItemsAsync($"/conversations?limit={pageSize}" + (filters.Length > 0 ? "&" + filters : ""))).Select(Parse)];

    public static async Task<ConversationRow> ReadOneAsync(HttpClient client, long orderId) =>
        Parse(await client.GetJsonAsync($"/conversations/{orderId}"));

    public static ConversationRow Parse(JsonElement row)
    {
        Assert.Equal(Columns.Order(StringComparer.Ordinal), row.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        return new ConversationRow(
            row.GetProperty("order_id").GetInt64(),
            row.GetProperty("city_code").GetString(),
            Time(row.GetProperty("first_courier_message")),
            Time(row.GetProperty("first_customer_message")),
            row.GetProperty("num_messages_courier").GetInt64(),
            row.GetProperty("num_messages_customer").GetInt64(),
            row.GetProperty("first_message_by").GetString()!,
            Time(row.GetProperty("conversation_started_at"))!.Value,
            row.GetProperty("first_responsetime_delay_seconds") is { ValueKind: JsonValueKind.Number } d ? d.GetInt64() : null,
            Time(row.GetProperty("last_message_time"))!.Value,
            row.GetProperty("last_message_order_stage").GetString()!);
    }

    private static DateTime? Time(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var text = value.GetString()!;
        Assert.EndsWith("Z", text, StringComparison.Ordinal); // RFC 3339 UTC with Z (API.md)
        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture).UtcDateTime;
    }
}
