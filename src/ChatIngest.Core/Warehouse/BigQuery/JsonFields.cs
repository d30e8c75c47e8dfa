using System.Text.Json;

namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>Reading BigQuery's REST answers, where a field may be missing or of another kind.</summary>
internal static class JsonFields
{
    /// <summary>The string field <paramref name="name"/>, or null when there is none (or it is not a string).</summary>
    public static string? StringOf(this JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
