using System.Data.Common;
using System.Globalization;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;
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
/// This file holds the write path; opening the file, checkpoints and reads are in <c>DuckDbWarehouse.Open.cs</c>,
/// <c>.Checkpoints.cs</c> and <c>.Reads.cs</c>.
/// </summary>
public sealed partial class DuckDbWarehouse(
    IOptions<WarehouseOptions> options, TimeProvider time, ILogger<DuckDbWarehouse> logger, IHostApplicationLifetime? lifetime = null)
    : IWarehouse, IDisposable
{
    /// <summary>How long a read waits for acknowledged rows to reach the tables before it fails (503).</summary>
    private static readonly TimeSpan ReadFlushTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long a write waits for the loader to make room before it fails (the writer retries, then 503).</summary>
    private static readonly TimeSpan RoomTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The largest frame buffer kept from one write to the next. Pushes' frames are kilobytes and replay's below a
    /// megabyte; only large messages (up to 10 MB) make one larger, and it is not worth keeping for the next.
    /// </summary>
    internal const int RetainedFrameBytes = 4 * 1024 * 1024;

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
    private bool disposed; // closed for good: a write after it (a drain outlasting the host's timeout) must not reopen it

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
            OpenUnlessDisposed();
            var outcomes = new RowOutcome[records.Count];
            var entries = writeEntries; // reused under the write lock: the loader copies what it keeps
            try
            {
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
                    frame.SetLength(0);
                    using (var writer = new BinaryWriter(frame, System.Text.Encoding.UTF8, leaveOpen: true))
                    {
                        JournalCodec.Write(writer, entries);
                    }

                    var payload = frame.GetBuffer().AsSpan(0, (int)frame.Length);
                    loader!.WaitForRoom(entries.Count, payload.Length, RoomTimeout);
                    var end = journal!.Append(payload); // durable from here on

                    // Handed to the loader before the keys are remembered: if the hand-over fails (no memory), the
                    // write fails and its retry stores the rows again, rather than finding them "duplicates" of a
                    // frame the loader never got and acknowledging them. The frame left behind is skipped by the
                    // loads after it.
                    loader.Enqueue(payload, end);
                    for (var i = 0; i < entries.Count; i++)
                    {
                        keys!.Remember(writeKeys[i].Key, entries[i].Record, writeKeys[i].Decision);
                    }
                }
            }
            finally
            {
                entries.Clear(); // the records go now, not at the next write: a dead letter keeps up to 10 MB
                writeKeys.Clear();
                if (frame.Capacity > RetainedFrameBytes)
                {
                    frame.SetLength(0);
                    frame.Capacity = 0; // a frame that large is a rare, large message's: its buffer goes too
                }
            }

            return Task.FromResult(outcomes);
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
                OpenUnlessDisposed();
                current = loader!;
            }
        }

        current.Flush(ReadFlushTimeout);
    }

    /// <summary>Loads what is pending (a graceful stop leaves the journal with nothing to replay) and closes the files.</summary>
    public void Dispose()
    {
        lock (writeLock)
        {
            disposed = true;
            invalidatedWhenClosed |= loader?.Invalidated == true;
            loader?.Dispose();
            loader = null;
            journal?.Dispose();
            journal = null;
            keys = null;
        }
    }

    /// <summary>Opens the files on first use (under the write lock); refuses once disposed, for a 503.</summary>
    private void OpenUnlessDisposed()
    {
        if (disposed)
        {
            throw new WarehouseUnavailableException("The DuckDB warehouse is closed: the service is stopping.");
        }

        if (loader is null)
        {
            Open();
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "DuckDB warehouse at {Path} (existing file: {Existed})")]
    private static partial void LogOpened(ILogger logger, string path, bool existed);
}
