using System.Diagnostics;
using System.Globalization;
using ChatIngest.Core.Ingest;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// Moves journaled rows into the DuckDB tables on its own thread, off the acknowledgement path: whatever is pending,
/// in one transaction, every <see cref="WarehouseOptions.DuckDbLoadInterval"/> (sooner when a read asks for it or a
/// row group's worth waits, see <see cref="LoadAtRows"/>; later, up to four intervals, when rows come fast enough to
/// fill a row group by then, see <see cref="IsDue"/>). Each load also records the journal
/// position it reached, so loads are exactly once across crashes. Owns the write connection; checkpoints take the same
/// lock, so they delay loads but never an acknowledgement.
/// A failed load is retried with backoff, alone, before the rows that came meanwhile: its rows are durable in the
/// journal. While loads fail, pending rows pile up to <see cref="WarehouseOptions.DuckDbMaxPendingRows"/>, and then
/// writes wait for room and get 503s.
/// </summary>
internal sealed partial class DuckDbLoader : IDisposable
{
    private readonly DuckDBConnection connection;
    private readonly string databasePath;
    private readonly WarehouseOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Action? invalidated; // the owner's reaction to DuckDB invalidating the database: stop the service
    /// <summary>The momentary memory limit of <see cref="TrimCache"/>.</summary>
    private const int TrimmedMemoryLimitMegabytes = 8;

    /// <summary>DuckDB's row group size (rows): a transaction that appends this many writes them straight to the file.</summary>
    internal const int RowGroupRows = 122_880;

    /// <summary>How many load intervals a fast stream of rows may wait to fill a row group.</summary>
    private const int RowGroupWaitIntervals = 4;

    private readonly Dictionary<string, DuckDBCommand> commands = new(StringComparer.Ordinal);
    private readonly object gate = new(); // a monitor: loads wait on it for work, writes and reads for loads
    private readonly Thread thread;
    private PendingFrames pending = new();
    private PendingFrames spare = new();
    private int loadingRows; // the rows of the load under way or to be retried (out of pending, not in the tables yet)
    private (PendingFrames Batch, JournalPosition End, long Sequence)? retry; // a failed load, to go again before pending
    private JournalPosition pendingEnd;
    private long pendingSince;
    private long enqueued;
    private long loaded;
    private bool flushRequested;
    private bool stopping;
    private long releasedBefore;
    private long ordersSinceCheckpoint;
    private long chatsSinceCheckpoint;
    private Exception? lastFailure;
    private int failedLoads; // in a row, up to now; written by the loader's thread only, under the gate
    private long failedLoadsEver;

    /// <summary>
    /// Loads failed in a row (~0.4 s of retries) after which a read waiting for them fails with the cause, once one more
    /// has failed while it waited (the cause may be gone by the next try).
    /// </summary>
    private const int ReadsGiveUpAfterFailedLoads = 3;

    public DuckDbLoader(DuckDBConnection connection, string databasePath, WarehouseOptions options, TimeProvider time, ILogger logger,
        Action? invalidated = null)
    {
        this.invalidated = invalidated;
        this.connection = connection;
        this.databasePath = databasePath;
        this.options = options;
        this.time = time;
        this.logger = logger;
        LastLoad = time.GetTimestamp();
        thread = new Thread(Run) { IsBackground = true, Name = "DuckDB loader" };
    }

    /// <summary>Set when DuckDB invalidated the database (see <see cref="IsInvalidated"/>): the loader has stopped.</summary>
    public bool Invalidated { get; private set; }

    /// <summary>A test's way to make the next loads fail as DuckDB would.</summary>
    internal Action? FaultBeforeLoad { get; set; }

    /// <summary>Loads that have failed since the loader started (for tests).</summary>
    internal long FailedLoadsEver
    {
        get
        {
            lock (gate)
            {
                return failedLoadsEver;
            }
        }
    }

    /// <summary>A test's way to make releasing loaded segments fail as the file system might.</summary>
    internal Action? FaultOnRelease { get; set; }

    /// <summary>A test's way to make a hand-over fail as a full heap would.</summary>
    internal Action? FaultOnEnqueue { get; set; }

    /// <summary>Held while the connection is used: a load or a checkpoint.</summary>
    public Lock Database { get; } = new();

    /// <summary><see cref="TimeProvider"/> timestamp of the last load (for the idle checkpoint).</summary>
    public long LastLoad { get; private set; }

    /// <summary>Order events loaded since the last checkpoint.</summary>
    public long OrdersSinceCheckpoint => Interlocked.Read(ref ordersSinceCheckpoint);

    /// <summary>Chat messages loaded since the last checkpoint.</summary>
    public long ChatsSinceCheckpoint => Interlocked.Read(ref chatsSinceCheckpoint);

    public void Start() => thread.Start();

    private long MaxPendingBytes => MaxPendingBytesFor(options.DuckDbMaxPendingRows);

    /// <summary>
    /// The bytes pending rows may take: the rows' limit at ~256 bytes a row (chat messages are ~200), but at least
    /// 64 MB, as rows of any size are allowed (a dead letter keeps up to 10 MB), so rows alone bound no memory; and at
    /// most 512 MB: the rows wait in one buffer, which must stay within what an array can hold (2 GB), and while loads
    /// fail a second such buffer waits to go again.
    /// </summary>
    internal static long MaxPendingBytesFor(int maxPendingRows) => Math.Clamp(maxPendingRows * 256L, 64L << 20, 512L << 20);

    /// <summary>
    /// Waits until <paramref name="rows"/> more, of <paramref name="bytes"/> in all, fit among the pending ones; throws
    /// when they do not in time. With nothing pending, any write fits.
    /// </summary>
    public void WaitForRoom(int rows, int bytes, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        lock (gate)
        {
            while (pending.Rows > 0 && (pending.Rows + rows > options.DuckDbMaxPendingRows || (long)pending.Bytes + bytes > MaxPendingBytes))
            {
                flushRequested = true;
                Monitor.PulseAll(gate);
                var left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0 || Invalidated)
                {
                    throw new WarehouseUnavailableException(string.Create(CultureInfo.InvariantCulture,
                        $"{pending.Rows} journaled rows ({pending.Bytes:N0} bytes) are waiting to be loaded into DuckDB (Warehouse__DuckDbMaxPendingRows, and {MaxPendingBytes:N0} bytes)."), lastFailure);
                }

                Monitor.Wait(gate, TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
            }
        }
    }

    /// <summary>Hands over a journaled payload (copied) that ends at <paramref name="end"/>; never blocks.</summary>
    public void Enqueue(ReadOnlySpan<byte> payload, JournalPosition end)
    {
        lock (gate)
        {
            FaultOnEnqueue?.Invoke();
            var wasIdle = pending.Rows == 0;
            if (wasIdle)
            {
                pendingSince = Stopwatch.GetTimestamp();
            }

            pending.Add(payload);
            pendingEnd = end;
            enqueued++;
            if (wasIdle || pending.Rows >= LoadAtRows)
            {
                Monitor.PulseAll(gate); // an idle loader sleeps until work comes; then it times the interval
            }
        }
    }

    /// <summary>
    /// Returns once everything enqueued before the call is in the tables (reads see what was acknowledged). Throws, for a
    /// 503, at the timeout, or sooner with the cause when loads keep failing (the disk full), rather than make the read wait.
    /// </summary>
    public void Flush(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        lock (gate)
        {
            var target = enqueued;
            var failedBefore = failedLoadsEver;
            while (loaded < target)
            {
                flushRequested = true;
                Monitor.PulseAll(gate);
                var left = deadline - Stopwatch.GetTimestamp();
                var loadsKeepFailing = failedLoads >= ReadsGiveUpAfterFailedLoads && failedLoadsEver > failedBefore;
                if (left <= 0 || !thread.IsAlive || Invalidated || loadsKeepFailing)
                {
                    throw new WarehouseUnavailableException(
                        Invalidated ? "DuckDB invalidated the database after a fatal error and must be reopened; the service is stopping so that a restart does."
                        : loadsKeepFailing ? $"Acknowledged rows could not be loaded into DuckDB: {lastFailure!.Message}"
                        : "Acknowledged rows could not be loaded into DuckDB in time.", lastFailure);
                }

                Monitor.Wait(gate, TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
            }
        }
    }

    /// <summary>Journaled rows not loaded yet: those waiting, and those of a load under way.</summary>
    public int PendingRows
    {
        get
        {
            lock (gate)
            {
                return pending.Rows + loadingRows;
            }
        }
    }

    /// <summary>Stops taking work, loads what is pending, and closes the connection.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            stopping = true;
            Monitor.PulseAll(gate);
        }

        if (thread.IsAlive)
        {
            thread.Join();
        }

        // Under the connection's lock: a checkpoint the host's stop timeout left running still uses it.
        lock (Database)
        {
            foreach (var command in commands.Values)
            {
                command.Dispose();
            }

            commands.Clear();
            connection.Dispose();
        }
    }
}
