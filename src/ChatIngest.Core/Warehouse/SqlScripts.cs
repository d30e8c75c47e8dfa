using System.Collections.Concurrent;

namespace ChatIngest.Core.Warehouse;

/// <summary>The <c>.sql</c> files under <c>sql/</c>, embedded in this assembly at build.</summary>
public static class SqlScripts
{
    private static readonly ConcurrentDictionary<string, string> Cache = new();

    /// <summary>Loads e.g. <c>duckdb/view.sql</c>.</summary>
    public static string Load(string relativePath) => Cache.GetOrAdd(relativePath, static path =>
    {
        using var stream = typeof(SqlScripts).Assembly.GetManifestResourceStream($"sql/{path}")
            ?? throw new InvalidOperationException($"sql/{path} is not embedded in ChatIngest.Core.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
