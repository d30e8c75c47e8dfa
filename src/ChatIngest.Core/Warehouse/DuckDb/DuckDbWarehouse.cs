using System.Data.Common;
using ChatIngest.Core.Messages;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// The embedded warehouse: one DuckDB file. The ingest writer owns one connection (DuckDB allows one writer per file);
/// reads open their own connections to the same in-process database, which DuckDB serves concurrently (MVCC).
/// </summary>
public sealed partial class DuckDbWarehouse(IOptions<WarehouseOptions> options, ILogger<DuckDbWarehouse> logger) : IWarehouse, IDisposable
{
    private readonly string path = Path.GetFullPath(options.Value.DuckDbPath);
    private DuckDBConnection? writeConnection;

    private string ConnectionString => $"Data Source={path}";

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (writeConnection is not null)
        {
            return Task.CompletedTask; // already opened (start-up checks open it before the host starts)
        }

        var existed = File.Exists(path);
        try
        {
            var directory = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            _ = WriteConnection();
        }
        catch (Exception e) when (e is DbException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidSettingException($"Warehouse__DuckDbPath '{path}' cannot be opened: {FirstLine(e.Message)}", e);
        }

        LogOpened(logger, path, existed);
        return Task.CompletedTask;
    }

    public Task<RowOutcome[]> WriteAsync(IReadOnlyList<IngestRecord> records, CancellationToken cancellationToken)
    {
        var connection = WriteConnection();
        try
        {
            return Task.FromResult(DuckDbBatchWriter.Write(connection, records));
        }
        catch
        {
            // A failed commit may leave the connection unusable (e.g. an I/O error invalidates the database):
            // start the next attempt from a fresh one.
            writeConnection = null;
            connection.Dispose();
            throw;
        }
    }

    public Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var connection = OpenRead();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM orders";
            command.ExecuteScalar();
            return Task.FromResult(true);
        }
        catch (Exception e) when (e is DbException or IOException or InvalidOperationException)
        {
            LogNotReady(logger, e);
            return Task.FromResult(false);
        }
    }

    public Task<Page<ConversationRow>> ListConversationsAsync(ConversationQuery query, CancellationToken cancellationToken)
    {
        using var connection = OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = SqlScripts.Load("duckdb/list_conversations.sql");
        command.Parameters.Add(new DuckDBParameter("city_code", (object?)query.CityCode ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("first_message_by", (object?)query.FirstMessageBy ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("started_after", (object?)query.StartedAfter ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("started_before", (object?)query.StartedBefore ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("after_order_id", (object?)query.AfterOrderId ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("limit", (long)query.Limit + 1));
        var rows = ReadConversations(command);
        var more = rows.Count > query.Limit;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        return Task.FromResult(new Page<ConversationRow>(rows, more ? PageToken.ForConversation(rows[^1].OrderId) : null));
    }

    public Task<ConversationRow?> GetConversationAsync(long orderId, CancellationToken cancellationToken)
    {
        using var connection = OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = SqlScripts.Load("duckdb/get_conversation.sql");
        command.Parameters.Add(new DuckDBParameter("order_id", orderId));
        return Task.FromResult(ReadConversations(command).SingleOrDefault());
    }

    public Task<Page<DeadLetterRow>> ListDeadLettersAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        using var connection = OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = SqlScripts.Load("duckdb/list_dead_letters.sql");
        command.Parameters.Add(new DuckDBParameter("after_received_at", (object?)query.After?.ReceivedAt ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("after_message_id", (object?)query.After?.MessageId ?? DBNull.Value));
        command.Parameters.Add(new DuckDBParameter("limit", (long)query.Limit + 1));
        var rows = new List<DeadLetterRow>();
        using (var reader = command.ExecuteReader())
        {
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

        var more = rows.Count > query.Limit;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        var next = more ? PageToken.ForDeadLetter(new DeadLetterPosition(rows[^1].ReceivedAt, rows[^1].MessageId)) : null;
        return Task.FromResult(new Page<DeadLetterRow>(rows, next));
    }

    public Task<ConversationStats> GetStatsAsync(StatsQuery query, CancellationToken cancellationToken)
    {
        using var connection = OpenRead();
        return Task.FromResult(DuckDbStatsReader.Read(connection, query));
    }

    public void Dispose()
    {
        writeConnection?.Dispose();
        writeConnection = null;
    }

    /// <summary>A new connection to the same database instance (the write connection keeps the instance open).</summary>
    internal DuckDBConnection OpenRead()
    {
        var connection = new DuckDBConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    private DuckDBConnection WriteConnection()
    {
        if (writeConnection is { } open)
        {
            return open;
        }

        var connection = new DuckDBConnection(ConnectionString);
        connection.Open();
        Execute(connection, SqlScripts.Load("duckdb/tables.sql"));
        Execute(connection, SqlScripts.Load("duckdb/view.sql"));
        Execute(connection, SqlScripts.Load("duckdb/stage.sql"));
        return writeConnection = connection;
    }

    internal static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
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

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "DuckDB warehouse at {Path} (existing file: {Existed})")]
    private static partial void LogOpened(ILogger logger, string path, bool existed);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "DuckDB warehouse is not ready")]
    private static partial void LogNotReady(ILogger logger, Exception error);
}
