using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;
using DuckDB.NET.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// The embedded warehouse: one DuckDB file plus its write-ahead journal. A write is decided against the recent keys
/// (<see cref="RecentKeys"/>: new, duplicate, or an earlier publication of a stored row), appended to the journal and
/// synced (<see cref="DuckDbJournal"/>): from then on it is durable and the push is acknowledged. The loader
/// (<see cref="DuckDbLoader"/>) moves it into the tables within <see cref="WarehouseOptions.DuckDbLoadInterval"/>, and
/// every read first waits for what was acknowledged before it, so a 204 is always visible to the next read.
/// Reads open their own connections to the same in-process database, which DuckDB serves concurrently (MVCC).
/// Checkpoints run between loads (<see cref="DuckDbCheckpointer"/> calls <see cref="CheckpointIfDue"/>), so they never
/// hold up an acknowledgement; DuckDB's own, inside a commit, is moved to four times the size as a last resort.
/// </summary>
public sealed partial class DuckDbWarehouse(
    IOptions<WarehouseOptions> options, TimeProvider time, ILogger<DuckDbWarehouse> logger, IHostApplicationLifetime? lifetime = null)
    : IWarehouse, IDisposable
{
    /// <summary>How long a read waits for acknowledged rows to reach the tables before it fails (503).</summary>
    private static readonly TimeSpan ReadFlushTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long a write waits for the loader to make room before it fails (the writer retries, then 503).</summary>
    private static readonly TimeSpan RoomTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Room a checkpoint needs on the disk besides half the WAL's size (see <see cref="HasRoomForCheckpoint"/>).</summary>
    private const long CheckpointHeadroom = 4L * 1024 * 1024;

    private readonly string path = Path.GetFullPath(options.Value.DuckDbPath);
    private readonly Lock writeLock = new();
    private readonly List<JournalEntry> writeEntries = [];
    private readonly List<(UInt128 Key, RecentKeys.Decision Decision)> writeKeys = []; // writeEntries' keys, remembered once the entries are durable
    private readonly ReaderWriterLockSlim reads = new(LockRecursionPolicy.NoRecursion); // reads, against cache trims
    private readonly MemoryStream frame = new();
    private DuckDbLoader? loader;
    private DuckDbJournal? journal;
    private RecentKeys? keys;
    private bool invalidatedWhenClosed;
    private bool checkpointPutOff;

    /// <summary>
    /// DuckDB invalidated the database: the loader stopped and the host was asked to stop (exit code 1). Still true once
    /// the host has disposed the warehouse, which is when the exit code is taken.
    /// </summary>
    public bool Invalidated => Volatile.Read(ref loader) is { } current ? current.Invalidated : invalidatedWhenClosed;

    private string ConnectionString => $"Data Source={path}"
        + (options.Value.DuckDbMemoryLimitMegabytes is { } megabytes ? string.Create(CultureInfo.InvariantCulture, $";memory_limit={megabytes}MB") : "")
        + (options.Value.DuckDbThreads is { } threads ? string.Create(CultureInfo.InvariantCulture, $";threads={threads}") : "");

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        lock (writeLock)
        {
            if (loader is not null)
            {
                return Task.CompletedTask; // already opened (start-up checks open it before the host starts)
            }

            var existed = File.Exists(path);
            try
            {
                var directory = Path.GetDirectoryName(path);
                if (!string.IsNullOrEmpty(directory))
                {
                    if (FileOnTheWay(directory) is { } file)
                    {
                        throw new InvalidSettingException($"Warehouse__DuckDbPath '{path}' cannot be opened: '{file}' is a file, not a directory.");
                    }

                    Directory.CreateDirectory(directory);
                }

                Open();
            }
            catch (Exception e) when (e is DbException or IOException or UnauthorizedAccessException or InvalidDataException)
            {
                throw new InvalidSettingException($"Warehouse__DuckDbPath '{path}' cannot be opened: {FirstLine(e.Message)}", e);
            }

            LogOpened(logger, path, existed);
            return Task.CompletedTask;
        }
    }

    public Task<RowOutcome[]> WriteAsync(IReadOnlyList<IngestRecord> records, CancellationToken cancellationToken)
    {
        lock (writeLock)
        {
            if (loader is null)
            {
                Open();
            }

            var outcomes = new RowOutcome[records.Count];
            var entries = writeEntries; // reused under the write lock: the loader copies what it keeps
            entries.Clear();
            writeKeys.Clear();
            for (var i = 0; i < records.Count; i++)
            {
                var decision = keys!.Decide(records[i], out var key);
                switch (decision)
                {
                    case RecentKeys.Decision.Store:
                        entries.Add(new JournalEntry(records[i], PublicationOnly: false));
                        writeKeys.Add((key, decision));
                        break;
                    case RecentKeys.Decision.DuplicateMaybePublishedEarlier:
                        entries.Add(new JournalEntry(records[i], PublicationOnly: true));
                        writeKeys.Add((key, decision));
                        outcomes[i] = RowOutcome.Duplicate;
                        break;
                    default:
                        outcomes[i] = RowOutcome.Duplicate;
                        break;
                }
            }

            if (entries.Count > 0)
            {
                loader!.WaitForRoom(entries.Count, RoomTimeout);
                frame.SetLength(0);
                using (var writer = new BinaryWriter(frame, System.Text.Encoding.UTF8, leaveOpen: true))
                {
                    JournalCodec.Write(writer, entries);
                }

                var payload = frame.GetBuffer().AsSpan(0, (int)frame.Length);
                var end = journal!.Append(payload); // durable from here on
                for (var i = 0; i < entries.Count; i++)
                {
                    keys!.Remember(writeKeys[i].Key, entries[i].Record, writeKeys[i].Decision);
                }

                loader.Enqueue(payload, end);
            }

            return Task.FromResult(outcomes);
        }
    }

    /// <summary>
    /// Checkpoints (folds the WAL into the file) between loads, never inside one: when nothing was loaded for
    /// <see cref="WarehouseOptions.DuckDbIdleCheckpointAfter"/> and the WAL holds something, or, under steady load,
    /// once conversations got <see cref="WarehouseOptions.DuckDbCheckpointRows"/> rows, orders
    /// <see cref="WarehouseOptions.DuckDbCheckpointOrderRows"/>, or the WAL reaches
    /// <see cref="WarehouseOptions.DuckDbCheckpointWalMegabytes"/>. Until a checkpoint, DuckDB
    /// cannot evict what was written since the last one, so this is also what keeps memory flat. A load waits while a
    /// checkpoint runs; acknowledgements do not. A failed checkpoint fails nothing.
    /// </summary>
    internal bool CheckpointIfDue()
    {
        if (Volatile.Read(ref loader) is not { } current || !IsDue(current))
        {
            return false;
        }

        lock (current.Database)
        {
            if (!IsDue(current))
            {
                return false;
            }

            if (!HasRoomForCheckpoint())
            {
                return false;
            }

            var started = time.GetTimestamp();
            try
            {
                TrimCache(current); // what was cached since the last trim: the checkpoint's own buffers then start lower
                current.Checkpoint();
                TrimCache(current); // what the checkpoint wrote
            }
            catch (DuckDBException e) when (DuckDbLoader.IsInvalidated(e))
            {
                current.Invalidate(e); // a checkpoint that could not write (the disk full) leaves DuckDB unusable
                throw;
            }

            var milliseconds = time.GetElapsedTime(started).TotalMilliseconds;
            LogCheckpointed(logger, milliseconds);
            return true;
        }
    }

    /// <summary>Drops DuckDB's cached table blocks unless a read is running (<see cref="DuckDbLoader.TrimCache"/>).</summary>
    private void TrimCache(DuckDbLoader current)
    {
        if (reads.TryEnterWriteLock(0))
        {
            try
            {
                current.TrimCache();
            }
            finally
            {
                reads.ExitWriteLock();
            }
        }
    }

    /// <summary>The loader, once open (tests hold its lock to stall it).</summary>
    internal DuckDbLoader? Loader => Volatile.Read(ref loader);

    /// <summary>Returns once every acknowledged row is in the tables.</summary>
    internal void Flush()
    {
        // Not under the write lock once open: a read need not queue behind a write's fsync.
        var current = Volatile.Read(ref loader);
        if (current is null)
        {
            lock (writeLock)
            {
                if (loader is null)
                {
                    Open();
                }

                current = loader!;
            }
        }

        current.Flush(ReadFlushTimeout);
    }

    private long WalBytes => new FileInfo(path + ".wal") is { Exists: true } wal ? wal.Length : 0;

    /// <summary>
    /// Whether the disk has room for a checkpoint. One that runs out of room invalidates the database, and only a restart
    /// opens it again, so while the disk clearly has too little it is put off, and runs once there is room. The bar is
    /// half the WAL's size plus <see cref="CheckpointHeadroom"/>: at checkpoints of the benchmark's pushes the file grew
    /// by up to 0.45 times the WAL's size. A higher bar would be safer for checkpoints that need more (dead letters of
    /// random bytes grew the file by up to 1.8 times), but while a checkpoint is put off loads fill the room with WAL, so
    /// a higher bar would want more room freed before the service goes on than a restart needs (docs/reliability.md).
    /// A checkpoint that needs more than the bar still ends in the invalidation. Under the database lock.
    /// </summary>
    private bool HasRoomForCheckpoint()
    {
        var needed = (WalBytes / 2) + CheckpointHeadroom;
        if (DiskRoom.For(path) is { } room && room < needed)
        {
            if (!checkpointPutOff)
            {
                checkpointPutOff = true;
                LogCheckpointPutOff(logger, path, room, needed);
            }

            return false;
        }

        if (checkpointPutOff)
        {
            checkpointPutOff = false;
            LogCheckpointResumed(logger, path);
        }

        return true;
    }

    private bool IsDue(DuckDbLoader current)
    {
        var walBytes = WalBytes;
        return walBytes > 0
            && (time.GetElapsedTime(current.LastLoad) >= options.Value.DuckDbIdleCheckpointAfter
                || current.ChatsSinceCheckpoint >= options.Value.DuckDbCheckpointRows
                || current.OrdersSinceCheckpoint >= options.Value.DuckDbCheckpointOrderRows
                || walBytes >= options.Value.DuckDbCheckpointWalMegabytes * 1024L * 1024L);
    }

    public Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var read = BeginRead();
            var connection = read.Connection;
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM orders";
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
        var connection = read.Connection;
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
        using var read = BeginRead();
        var connection = read.Connection;
        using var command = connection.CreateCommand();
        command.CommandText = SqlScripts.Load("duckdb/get_conversation.sql");
        command.Parameters.Add(new DuckDBParameter("order_id", orderId));
        return Task.FromResult(ReadConversations(command).SingleOrDefault());
    }

    public Task<Page<DeadLetterRow>> ListDeadLettersAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        using var read = BeginRead();
        var connection = read.Connection;
        using var command = connection.CreateCommand();
        command.CommandText = SqlScripts.Load("duckdb/list_dead_letters.sql");
        command.Parameters.Add(new DuckDBParameter("reason", (object?)query.Reason ?? DBNull.Value));
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
        using var read = BeginRead();
        var connection = read.Connection;
        return Task.FromResult(DuckDbStatsReader.Read(connection, query));
    }

    /// <summary>Loads what is pending (a graceful stop leaves the journal with nothing to replay) and closes the files.</summary>
    public void Dispose()
    {
        lock (writeLock)
        {
            invalidatedWhenClosed |= loader?.Invalidated == true;
            loader?.Dispose();
            loader = null;
            journal?.Dispose();
            journal = null;
            keys = null;
        }
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

    /// <summary>Opens the database, replays the journal into it, and starts the loader. Under the write lock.</summary>
    private void Open()
    {
        ProcessFileSizeLimit.HandleSignal();
        var connection = new DuckDBConnection(ConnectionString);
        connection.Open();
        try
        {
            if (Convert.ToInt64(Scalar(connection, SqlScripts.Load("duckdb/keyed_tables.sql")), CultureInfo.InvariantCulture) > 0)
            {
                Execute(connection, "BEGIN TRANSACTION;\n" + SqlScripts.Load("duckdb/unkey_tables.sql") + "\nCOMMIT;");
                LogUnkeyed(logger, path);
            }

            Execute(connection, SqlScripts.Load("duckdb/tables.sql"));
            DefineView(connection);
            Execute(connection, SqlScripts.Load("duckdb/stage.sql"));
            // A global setting; DuckDB takes no parameter here, and the value is a validated integer.
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"SET checkpoint_threshold = '{4L * options.Value.DuckDbCheckpointWalMegabytes}MB'"));
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        var opened = new DuckDbLoader(connection, path, options.Value, time, logger, () => lifetime?.StopApplication());
        try
        {
            var last = Replay(opened);
            var recent = new RecentKeys(options.Value.DuckDbRecentKeys);
            Seed(connection, recent, options.Value.DuckDbRecentKeys);
            journal = DuckDbJournal.Create(path, last, spareFailed: e => LogSpareFailed(logger, e.Message));
            keys = recent;
        }
        catch
        {
            opened.Dispose();
            throw;
        }

        opened.Start();
        Volatile.Write(ref loader, opened);
    }

    /// <summary>
    /// Defines the view when <c>view.sql</c> changed since the file's view was defined from it, not at every open: a
    /// CREATE OR REPLACE writes DuckDB's WAL, so on a full disk it alone would stop a start that needs to write nothing.
    /// </summary>
    private static void DefineView(DuckDBConnection connection)
    {
        var view = SqlScripts.Load("duckdb/view.sql");
        var version = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(view)));
        if (Scalar(connection, SqlScripts.Load("duckdb/view_version.sql")) as string != version)
        {
            // The version is hex digits: nothing to quote.
            Execute(connection, $"BEGIN TRANSACTION;\n{view}\nCOMMENT ON VIEW customer_courier_conversations IS '{version}';\nCOMMIT;");
        }
    }

    /// <summary>
    /// Loads every journal frame the tables do not hold yet (a crash came before the loader), oldest first, cutting
    /// off a frame torn by the crash (never acknowledged). Returns the newest generation seen.
    /// </summary>
    private long Replay(DuckDbLoader opened)
    {
        var position = opened.ReadPosition();
        var last = position.Generation;
        var replayed = 0L;
        foreach (var segment in DuckDbJournal.List(path))
        {
            last = Math.Max(last, segment.Generation);
            if (segment.Generation < position.Generation)
            {
                continue;
            }

            var frames = new PendingFrames();
            var end = default(JournalPosition);
            var from = segment.Generation == position.Generation ? position.Offset : 0;
            var damaged = false;
            foreach (var (payload, frameEnd) in DuckDbJournal.ReadFrames(segment, from, what =>
                     {
                         damaged = true;
                         LogJournalDamaged(logger, segment.Path, what, segment.Path + ".damaged");
                     }))
            {
                frames.Add(payload);
                end = new JournalPosition(segment.Generation, frameEnd);
                if (frames.Rows >= DuckDbLoader.RowGroupRows)
                {
                    opened.Load(frames, end);
                    replayed += frames.Rows;
                    frames.Clear();
                }
            }

            if (frames.Rows > 0)
            {
                opened.Load(frames, end);
                replayed += frames.Rows;
            }

            if (damaged)
            {
                File.Copy(segment.Path, segment.Path + ".damaged", overwrite: true); // released below; kept for a look
            }
        }

        if (replayed > 0)
        {
            LogReplayed(logger, replayed);
        }

        DuckDbJournal.Release(path, last + 1); // all of it is in the tables now
        return last;
    }

    /// <summary>The nearest of <paramref name="directory"/> and its parents that exists, when it is a file.</summary>
    private static string? FileOnTheWay(string directory)
    {
        for (var d = directory; !string.IsNullOrEmpty(d); d = Path.GetDirectoryName(d))
        {
            if (Directory.Exists(d))
            {
                return null;
            }

            if (File.Exists(d))
            {
                return d;
            }
        }

        return null;
    }

    private static void Seed(DuckDBConnection connection, RecentKeys recent, int newest)
    {
        using var command = connection.CreateCommand();
        command.CommandText = SqlScripts.Load("duckdb/recent_keys.sql");
        command.Parameters.Add(new DuckDBParameter("limit", (long)newest));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            recent.Remember(reader.GetString(0), reader.GetDateTime(1), reader.GetString(2), deadLetter: reader.GetBoolean(3));
        }
    }

    internal static object? Scalar(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
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

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "Loaded {Rows} journaled rows that were acknowledged before the last stop")]
    private static partial void LogReplayed(ILogger logger, long rows);

    [LoggerMessage(EventId = 206, Level = LogLevel.Information, Message = "Rebuilt orders and conversations in {Path} without the content_key PRIMARY KEY of earlier versions")]
    private static partial void LogUnkeyed(ILogger logger, string path);

    [LoggerMessage(EventId = 207, Level = LogLevel.Error, Message = "Journal segment {Segment} is damaged: {What}. A copy of it is kept as {Copy}")]
    private static partial void LogJournalDamaged(ILogger logger, string segment, string what, string copy);

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "DuckDB checkpoint put off: the disk has {Room} bytes of room for {Path}, and the checkpoint may need {Needed}; it runs once there is room")]
    private static partial void LogCheckpointPutOff(ILogger logger, string path, long room, long needed);

    [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "The disk has room for a DuckDB checkpoint of {Path} again")]
    private static partial void LogCheckpointResumed(ILogger logger, string path);

    [LoggerMessage(EventId = 209, Level = LogLevel.Warning, Message = "Could not prepare a spare journal segment ({Error}); the next segment grows instead, which syncs slower. It is tried again for a later segment")]
    private static partial void LogSpareFailed(ILogger logger, string error);
}
