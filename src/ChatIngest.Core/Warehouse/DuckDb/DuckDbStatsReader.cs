using System.Data.Common;
using DuckDB.NET.Data;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// <c>GET /stats</c> on DuckDB: four aggregate queries over the view (<c>sql/duckdb/stats_*.sql</c>), run in one read
/// transaction so the totals, cities, stages and minutes come from the same snapshot while a replay is landing.
/// </summary>
internal static class DuckDbStatsReader
{
    public static ConversationStats Read(DuckDBConnection connection, StatsQuery query)
    {
        using var transaction = connection.BeginTransaction();

        var (conversations, messages) = Single(connection, "stats_totals", query, r => (r.GetInt64(0), r.GetInt64(1)));
        var cities = Rows(connection, "stats_cities", query, r => new CityStats(
            CityCode: r.IsDBNull(0) ? null : r.GetString(0),
            Conversations: r.GetInt64(1),
            Messages: r.GetInt64(2),
            MedianFirstResponseSeconds: r.IsDBNull(3) ? null : r.GetDouble(3),
            P90FirstResponseSeconds: r.IsDBNull(4) ? null : r.GetDouble(4),
            StartedByCourier: r.GetInt64(5),
            StartedByCustomer: r.GetInt64(6)));
        var stages = Rows(connection, "stats_last_stages", query, r => new StageCount(r.GetString(0), r.GetInt64(1)));
        var minutes = Rows(connection, "stats_started_per_minute", query,
            r => new MinuteCount(DateTime.SpecifyKind(r.GetDateTime(0), DateTimeKind.Utc), r.GetInt64(1)));

        transaction.Commit();
        return new ConversationStats(conversations, messages, cities, stages, minutes);
    }

    private static T Single<T>(DuckDBConnection connection, string script, StatsQuery query, Func<DbDataReader, T> map) =>
        Rows(connection, script, query, map).Single();

    private static List<T> Rows<T>(DuckDBConnection connection, string script, StatsQuery query, Func<DbDataReader, T> map)
    {
        using var command = connection.CreateCommand();
        command.CommandText = SqlScripts.Load($"duckdb/{script}.sql");
        command.Parameters.Add(new DuckDBParameter("started_after", (object?)query.StartedAfter ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("started_before", (object?)query.StartedBefore ?? DBNull.Value));
        var rows = new List<T>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}
