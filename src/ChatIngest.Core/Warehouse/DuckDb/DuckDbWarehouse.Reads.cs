using System.Data.Common;
using ChatIngest.Core.Ingest;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>Reads: each on a connection of its own, once every acknowledged row is in the tables.</summary>
public sealed partial class DuckDbWarehouse
{
    public Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var read = BeginRead();
            using var command = read.Command("SELECT count(*) FROM orders");
            command.ExecuteScalar();
            return Task.FromResult(true);
        }
        catch (Exception e) when (e is DbException or IOException or InvalidOperationException or WarehouseUnavailableException)
        {
            LogNotReady(logger, e);
            return Task.FromResult(false);
        }
    }

    public Task<Page<ConversationRow>> ListConversationsAsync(ConversationQuery query, CancellationToken cancellationToken)
    {
        using var read = BeginRead();
        using var command = read.Command(SqlScripts.Load("duckdb/list_conversations.sql"));
        command.Parameters.Add(new DuckDBParameter("city_code", Text(query.CityCode)));
        command.Parameters.Add(new DuckDBParameter("has_city", (object?)query.HasCity ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("first_message_by", (object?)query.FirstMessageBy ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("started_after", (object?)query.StartedAfter ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("started_before", (object?)query.StartedBefore ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("after_order_id", (object?)query.AfterOrderId ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("limit", (long)query.Limit + 1));
        return Task.FromResult(Page.FromLookahead(ReadConversations(command), query.Limit, r => PageToken.ForConversation(r.OrderId)));
    }

    /// <summary>
    /// A text parameter as its UTF-8 bytes, which the SQL decodes: DuckDB.NET binds a string as a C string, which ends
    /// at the first NUL, so a filter "A\0B" would have matched "A". Text from a request or a stored row may hold a NUL.
    /// </summary>
    private static object Text(string? value) => value is null ? DBNull.Value : System.Text.Encoding.UTF8.GetBytes(value);

    public Task<ConversationRow?> GetConversationAsync(long orderId, CancellationToken cancellationToken)
    {
        using var read = BeginRead();
        using var command = read.Command(SqlScripts.Load("duckdb/get_conversation.sql"));
        command.Parameters.Add(new DuckDBParameter("order_id", orderId));
        return Task.FromResult(ReadConversations(command).SingleOrDefault());
    }

    /// <summary>
    /// A page of dead letters in two reads of one snapshot: the sizes of the letters the page may show, then the data of
    /// those that fit its budget (<see cref="DeadLetterQuery.Fitting"/>), so that no more is read into memory.
    /// </summary>
    public Task<Page<DeadLetterRow>> ListDeadLettersAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        using var read = BeginRead();
        using var snapshot = read.Connection.BeginTransaction();
        var candidates = new List<(DateTime ReceivedAt, string MessageId, long DataBytes)>();
        using (var sizes = read.Command(SqlScripts.Load("duckdb/list_dead_letter_sizes.sql")))
        {
            AddDeadLetterFilter(sizes, query);
            sizes.Parameters.Add(new DuckDBParameter("limit", (long)query.Limit + 1));
            using var reader = sizes.ExecuteReader();
            while (reader.Read())
            {
                candidates.Add((reader.GetDateTime(0), reader.GetString(1), reader.GetInt64(2)));
            }
        }

        var fitting = query.Fitting(candidates.Select(c => c.DataBytes));
        var rows = new List<DeadLetterRow>(fitting);
        if (fitting > 0)
        {
            using var letters = read.Command(SqlScripts.Load("duckdb/list_dead_letters.sql"));
            AddDeadLetterFilter(letters, query);
            letters.Parameters.Add(new DuckDBParameter("through_received_at", candidates[fitting - 1].ReceivedAt));
            letters.Parameters.Add(new DuckDBParameter("through_message_id", Text(candidates[fitting - 1].MessageId)));
            letters.Parameters.Add(new DuckDBParameter("limit", (long)fitting));
            using var reader = letters.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(new DeadLetterRow(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    Utc(reader.GetDateTime(3)),
                    Utc(reader.GetDateTime(4)),
                    ReadBytes(reader, 5)));
            }
        }

        snapshot.Commit();
        return Task.FromResult(Page.EndedAt(rows, candidates.Count > fitting, PageToken.ForDeadLetter));
    }

    private static void AddDeadLetterFilter(DuckDBCommand command, DeadLetterQuery query)
    {
        command.Parameters.Add(new DuckDBParameter("reason", Text(query.Reason)));
        command.Parameters.Add(new DuckDBParameter("after_received_at", (object?)query.After?.ReceivedAt ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("after_message_id", Text(query.After?.MessageId)));
    }

    public Task<ConversationStats> GetStatsAsync(StatsQuery query, CancellationToken cancellationToken)
    {
        using var read = BeginRead();
        return Task.FromResult(DuckDbStatsReader.Read(read.Connection, query));
    }

    /// <summary>
    /// A new connection to the same database instance (the loader's connection keeps the instance open), once every
    /// acknowledged row is in the tables.
    /// </summary>
    private ReadLease BeginRead()
    {
        var connection = OpenRead();
        reads.EnterReadLock();
        return new ReadLease(connection, reads);
    }

    /// <summary>A read's connection; while any is open the checkpointer does not trim DuckDB's cache.</summary>
    private readonly struct ReadLease(DuckDBConnection connection, ReaderWriterLockSlim reads) : IDisposable
    {
        public DuckDBConnection Connection => connection;

        /// <summary>A command on this read's connection; the caller disposes it.</summary>
        public DuckDBCommand Command(string sql)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            return command;
        }

        public void Dispose()
        {
            connection.Dispose();
            reads.ExitReadLock();
        }
    }

    internal DuckDBConnection OpenRead()
    {
        Flush();
        var connection = new DuckDBConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    private static List<ConversationRow> ReadConversations(DuckDBCommand command)
    {
        var rows = new List<ConversationRow>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(new ConversationRow(
                OrderId: reader.GetInt64(0),
                CityCode: reader.IsDBNull(1) ? null : reader.GetString(1),
                FirstCourierMessage: reader.IsDBNull(2) ? null : Utc(reader.GetDateTime(2)),
                FirstCustomerMessage: reader.IsDBNull(3) ? null : Utc(reader.GetDateTime(3)),
                NumMessagesCourier: reader.GetInt64(4),
                NumMessagesCustomer: reader.GetInt64(5),
                FirstMessageBy: reader.GetString(6),
                ConversationStartedAt: Utc(reader.GetDateTime(7)),
                FirstResponsetimeDelaySeconds: reader.IsDBNull(8) ? null : reader.GetInt64(8),
                LastMessageTime: Utc(reader.GetDateTime(9)),
                LastMessageOrderStage: reader.GetString(10)));
        }

        return rows;
    }

    private static byte[] ReadBytes(DbDataReader reader, int ordinal)
    {
        using var stream = reader.GetStream(ordinal);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "DuckDB warehouse is not ready")]
    private static partial void LogNotReady(ILogger logger, Exception error);
}
