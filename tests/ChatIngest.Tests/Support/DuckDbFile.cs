using DuckDB.NET.Data;

namespace ChatIngest.Tests.Support;

/// <summary>Reads a warehouse file directly: its tables once no service holds it, its WAL's size at any time.</summary>
public static class DuckDbFile
{
    public static HashSet<long> ConversationOrderIds(string path)
    {
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT order_id FROM conversations";
        using var reader = command.ExecuteReader();
        var ids = new HashSet<long>();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    /// <summary>The rows of <c>conversations</c>, duplicates included (<see cref="ConversationOrderIds"/> folds them).</summary>
    public static long ConversationRowCount(string path) => Count(path, "SELECT count(*) FROM conversations");

    /// <summary>Rows of <c>orders</c> and <c>conversations</c> whose content key the table held already: copies stored
    /// again once older than the writer's window of recent keys.</summary>
    public static long RowsStoredAgain(string path) => Count(path,
        "SELECT (SELECT count(*) - count(DISTINCT content_key) FROM conversations) + (SELECT count(*) - count(DISTINCT content_key) FROM orders)");

    private static long Count(string path, string sql)
    {
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The size of DuckDB's WAL beside <paramref name="path"/>: 0 when there is none (everything is checkpointed).</summary>
    public static long WalBytes(string path) => new FileInfo(path + ".wal") is { Exists: true } wal ? wal.Length : 0;
}
