using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>Opening the file: its tables and view, the journal's rows a crash left unloaded, and the recent keys.</summary>
public sealed partial class DuckDbWarehouse
{
    /// <summary>Opens the database, replays the journal into it, and starts the loader. Under the write lock.</summary>
    private void Open()
    {
        ProcessFileSizeLimit.HandleSignal();
        var connection = new DuckDBConnection(ConnectionString);
        connection.Open();
        byte[] frameKey;
        try
        {
            if (Scalar(connection, SqlScripts.Load("duckdb/database_path.sql")) is not string { Length: > 0 })
            {
                throw new InvalidDataException("DuckDB opened it as a data file to read (CSV, JSON, Parquet), in memory, "
                    + "not as a database file, so nothing written would be kept. Name a DuckDB file, or a path that does not exist yet");
            }

            if (Convert.ToInt64(Scalar(connection, SqlScripts.Load("duckdb/keyed_tables.sql")), CultureInfo.InvariantCulture) > 0)
            {
                Execute(connection, "BEGIN TRANSACTION;\n" + SqlScripts.Load("duckdb/unkey_tables.sql") + "\nCOMMIT;");
                LogUnkeyed(logger, path);
            }

            Execute(connection, SqlScripts.Load("duckdb/tables.sql"));
            frameKey = FrameKey(connection);
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
            var last = Replay(opened, frameKey);
            var recent = new RecentKeys(options.Value.DuckDbRecentKeys);
            Seed(connection, recent, options.Value.DuckDbRecentKeys);
            journal = DuckDbJournal.Create(path, last, spareFailed: e => LogSpareFailed(logger, e.Message), frameKey: frameKey);
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
    /// The database's secret for the journal's frame checks (<see cref="DuckDbJournal.Salt"/>), made once, at the first
    /// open of a file without one (a new file, or one of an earlier version), and kept with the journal position.
    /// </summary>
    private static byte[] FrameKey(DuckDBConnection connection)
    {
        if (StoredFrameKey(connection) is { } key)
        {
            return key;
        }

        using var command = connection.CreateCommand();
        command.CommandText = SqlScripts.Load("duckdb/set_journal_frame_key.sql");
        command.Parameters.Add(new DuckDBParameter("frame_key", Convert.ToHexString(RandomNumberGenerator.GetBytes(32))));
        command.ExecuteNonQuery();
        return StoredFrameKey(connection) ?? throw new InvalidDataException("The journal's frame key was not kept.");
    }

    private static byte[]? StoredFrameKey(DuckDBConnection connection) =>
        Scalar(connection, SqlScripts.Load("duckdb/journal_frame_key.sql")) is string { Length: > 0 } hex ? Convert.FromHexString(hex) : null;

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
    private long Replay(DuckDbLoader opened, byte[] frameKey)
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
                     }, frameKey))
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
                KeepDamagedCopy(segment.Path);
            }
        }

        if (replayed > 0)
        {
            LogReplayed(logger, replayed);
        }

        DuckDbJournal.Release(path, last + 1); // all of it is in the tables now
        return last;
    }

    /// <summary>
    /// A copy of a damaged segment, kept for a look (the segment itself is released once its frames are loaded). Best
    /// effort: its whole frames are in the tables already, and a copy that cannot be made (a full disk) must not stop
    /// the start, which would then fail the same way at every start, with nothing left to load. A segment read again
    /// from its loaded position (the last start stopped after loading it) keeps the copy it has.
    /// </summary>
    private void KeepDamagedCopy(string segment)
    {
        var copy = segment + ".damaged";
        try
        {
            if (!File.Exists(copy))
            {
                // Under another name first: a copy cut short (a crash, a full disk) never passes for a whole one.
                File.Copy(segment, copy + ".part", overwrite: true);
                File.Move(copy + ".part", copy);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DuckDbJournal.TryDelete(copy + ".part");
            LogDamagedCopyFailed(logger, segment, copy, e.Message);
        }
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

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "Loaded {Rows} journaled rows that were acknowledged before the last stop")]
    private static partial void LogReplayed(ILogger logger, long rows);

    [LoggerMessage(EventId = 206, Level = LogLevel.Information, Message = "Rebuilt orders and conversations in {Path} without the content_key PRIMARY KEY of earlier versions")]
    private static partial void LogUnkeyed(ILogger logger, string path);

    [LoggerMessage(EventId = 207, Level = LogLevel.Error, Message = "Journal segment {Segment} is damaged: {What}. A copy of it is kept as {Copy}")]
    private static partial void LogJournalDamaged(ILogger logger, string segment, string what, string copy);

    [LoggerMessage(EventId = 213, Level = LogLevel.Warning, Message = "Could not keep a copy of the damaged journal segment {Segment} as {Copy} ({Error}); its whole frames are loaded, and the segment is released")]
    private static partial void LogDamagedCopyFailed(ILogger logger, string segment, string copy, string error);

    [LoggerMessage(EventId = 209, Level = LogLevel.Warning, Message = "Could not prepare a spare journal segment ({Error}); the next segment grows instead, which syncs slower. It is tried again for a later segment")]
    private static partial void LogSpareFailed(ILogger logger, string error);
}
