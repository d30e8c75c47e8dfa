using System.Text.Json;
using ChatIngest.Tests.Support;

namespace ChatIngest.Cli.Tests.Support;

/// <summary>Facts read from the seed sample (shared/data/conversations.json), the independent model of "realistic".</summary>
internal static class SampleData
{
    private static readonly Lazy<JsonElement[]> Lines = new(() =>
        File.ReadLines(TempPaths.SharedData("conversations.json"))
            .Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToArray());

    public static IReadOnlyList<JsonElement> All => Lines.Value;

    public static HashSet<string> Values(string field) =>
        All.Where(e => e.TryGetProperty(field, out _)).Select(e => e.GetProperty(field).GetString()!).ToHashSet();

    /// <summary>The key orders the sample uses, e.g. "senderAppType,courierId,fromId,…".</summary>
    public static HashSet<string> KeyOrders() => All.Select(KeyOrder).ToHashSet();

    public static string KeyOrder(JsonElement e) => string.Join(',', e.EnumerateObject().Select(p => p.Name));
}
