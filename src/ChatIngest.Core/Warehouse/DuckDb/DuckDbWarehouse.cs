using System.Data.Common;
using System.Globalization;
using ChatIngest.Core.Messages;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// The embedded warehouse: one DuckDB file. The ingest writer owns one connection (DuckDB allows one writer per file);
/// reads open their own connections to the same in-process database, which DuckDB serves concurrently (MVCC).
/// Checkpoints run between commits, not inside one: DuckDB's own runs inside the commit that grows the WAL past its
/// threshold (and fails that commit if it fails), so the threshold is raised to a last-resort cap and
/// <see cref="DuckDbCheckpointer"/> calls <see cref="CheckpointIfDue"/>.
/// </summary>
public sealed partial class DuckDbWarehouse(IOptions<WarehouseOptions> options, TimeProvider time, ILogger<DuckDbWarehouse> logger)
    : IWarehouse, IDisposable
{
    private readonly string path = Path.GetFullPath(options.Value.DuckDbPath);
    private readonly Lock writeLock = new();
    private DuckDbBatchWriter? writer;
    private long lastWrite = time.GetTimestamp();

    private string ConnectionString => $"Data Source={path}"
        + (options.Value.DuckDbMemoryLimitMegabytes is { } megabytes ? string.Create(CultureInfo.InvariantCulture, $";memory_limit={megabytes}MB") : "")
        + (options.Value.DuckDbThreads is { } threads ? string.Create(CultureInfo.InvariantCulture, $";threads={threads}") : "");

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref writer) is not null)
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

            _ = Writer();
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
        lock (writeLock)
        {
            var current = Writer();
            try
            {
                return Task.FromResult(current.Write(records));
            }
            catch
            {
                // A failed commit may leave the connection unusable (e.g. an I/O error invalidates the database):
                // start the next attempt from a fresh one.
                writer = null;
                current.Dispose();
                throw;
            }
            finally
            {
                lastWrite = time.GetTimestamp();
            }
        }
    }

    /// <summary>
    /// Checkpoints (folds the WAL into the file) between commits, never inside one: when nothing was written for
    /// <see cref="WarehouseOptions.DuckDbIdleCheckpointAfter"/> and the WAL holds something, or, under steady load,
    /// once the WAL reaches <see cref="WarehouseOptions.DuckDbCheckpointWalMegabytes"/>. Until a checkpoint, DuckDB
    /// cannot evict what was written since the last one, so this is also what keeps memory flat. A commit waits while
    /// a checkpoint runs; a failed checkpoint fails no commit. DuckDB's own, inside a commit, is left as a last resort
    /// at four times the size.
    /// </summary>
    internal bool CheckpointIfDue()
    {
        if (Volatile.Read(ref writer) is null || !IsDue(Interlocked.Read(ref lastWrite)))
        {
            return false;
        }

        lock (writeLock)
        {
            if (writer is not { } current || !IsDue(lastWrite))
            {
                return false;
            }

            var started = time.GetTimestamp();
            current.Checkpoint();
            var milliseconds = time.GetElapsedTime(started).TotalMilliseconds;
            LogCheckpointed(logger, milliseconds);
            return true;
        }
    }

    private bool IsDue(long lastWriteTimestamp)
    {
        var wal = new FileInfo(path + ".wal");
        var walBytes = wal.Exists ? wal.Length : 0;
        return walBytes > 0
            && (time.GetElapsedTime(lastWriteTimestamp) >= options.Value.DuckDbIdleCheckpointAfter
                || walBytes >= options.Value.DuckDbCheckpointWalMegabytes * 1024L * 1024L);
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
        return Task.FromResult(Page.FromLookahead(ReadConversations(command), query.Limit, r => PageToken.ForConversation(r.OrderId)));
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

        return Task.FromResult(Page.FromLookahead(rows, query.Limit, PageToken.ForDeadLetter));
    }

    public Task<ConversationStats> GetStatsAsync(StatsQuery query, CancellationToken cancellationToken)
    {
        using var connection = OpenRead();
        return Task.FromResult(DuckDbStatsReader.Read(connection, query));
    }

    public void Dispose()
    {
        writer?.Dispose();
        writer = null;
    }

    /// <summary>A new connection to the same database instance (the write connection keeps the instance open).</summary>
    internal DuckDBConnection OpenRead()
    {
        var connection = new DuckDBConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    private DuckDbBatchWriter Writer()
    {
        if (writer is { } open)
        {
            return open;
        }

        var connection = new DuckDBConnection(ConnectionString);
        connection.Open();
        Execute(connection, SqlScripts.Load("duckdb/tables.sql"));
        Execute(connection, SqlScripts.Load("duckdb/view.sql"));
        Execute(connection, SqlScripts.Load("duckdb/stage.sql"));
        // A global setting; DuckDB takes no parameter here, and the value is a validated integer.
        Execute(connection, string.Create(CultureInfo.InvariantCulture, $"SET checkpoint_threshold = '{4L * options.Value.DuckDbCheckpointWalMegabytes}MB'"));
        return writer = new DuckDbBatchWriter(connection);
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

    [LoggerMessage(EventId = 202, Level = LogLevel.Debug, Message = "DuckDB checkpoint took {Milliseconds} ms")]
    private static partial void LogCheckpointed(ILogger logger, double milliseconds);
}
