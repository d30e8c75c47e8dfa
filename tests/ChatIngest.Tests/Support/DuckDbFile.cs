using DuckDB.NET.Data;

namespace ChatIngest.Tests.Support;

/// <summary>Reads a warehouse file directly, once no service holds it.</summary>
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
    public static long ConversationRowCount(string path)
    {
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM conversations";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
