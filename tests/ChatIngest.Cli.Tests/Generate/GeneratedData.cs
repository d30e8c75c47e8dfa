using System.Globalization;
using System.Text.Json;

namespace ChatIngest.Cli.Tests.Generate;

/// <summary>Generated NDJSON read back: every line parsed, grouped into conversations by order id.</summary>
internal sealed class GeneratedData
{
    public GeneratedData(IReadOnlyList<string> lines)
    {
        Lines = lines;
        Parsed = lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
        Conversations = Enumerable.Range(0, Parsed.Length)
            .GroupBy(i => Parsed[i].GetProperty("orderId").GetInt64())
            .ToDictionary(g => g.Key, g => g.ToArray());
    }

    public IReadOnlyList<string> Lines { get; }

    public JsonElement[] Parsed { get; }

    /// <summary>Order id → the indexes of its lines, in file order.</summary>
    public Dictionary<long, int[]> Conversations { get; }

    public static bool IsMessage(JsonElement e) => e.TryGetProperty("senderAppType", out _);

    public static bool ByCourier(JsonElement e) => e.GetProperty("senderAppType").GetString()!.StartsWith("Courier", StringComparison.Ordinal);

    public static DateTime SentAt(JsonElement e) =>
        DateTime.Parse(e.GetProperty("messageSentTime").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);

    public int[] Messages(long orderId) => Conversations[orderId].Where(i => IsMessage(Parsed[i])).ToArray();

    public int[] OrderEvents(long orderId) => Conversations[orderId].Where(i => !IsMessage(Parsed[i])).ToArray();
}
