using System.Collections.Frozen;

namespace ChatIngest.Api.Dashboard;

/// <summary>
/// The dashboard's files (<c>Dashboard/assets/</c>), embedded in this assembly at build so the page, its script and the
/// vendored Chart.js travel with the service and nothing is fetched from elsewhere at run time.
/// </summary>
internal static class DashboardAssets
{
    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["dashboard.html"] = "text/html; charset=utf-8",
        ["dashboard.css"] = "text/css; charset=utf-8",
        ["dashboard.js"] = "text/javascript; charset=utf-8",
        ["vendor/chart.js/chart.umd.min.js"] = "text/javascript; charset=utf-8",
        ["vendor/chart.js/LICENSE.md"] = "text/plain; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, byte[]> Contents = ContentTypes.Keys.ToFrozenDictionary(
        name => name, Load, StringComparer.Ordinal);

    public static bool TryGet(string name, out byte[] content, out string contentType)
    {
        if (ContentTypes.TryGetValue(name, out contentType!))
        {
            content = Contents[name];
            return true;
        }

        content = [];
        return false;
    }

    private static byte[] Load(string name)
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream($"dashboard/{name}")
            ?? throw new InvalidOperationException($"Dashboard/assets/{name} is not embedded in ChatIngest.Api.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
