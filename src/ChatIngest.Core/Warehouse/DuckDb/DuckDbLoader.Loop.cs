using System.Diagnostics;
using DuckDB.NET.Data;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>The loader's thread: when a load is due, and what a failed one leaves (retries, or a stop).</summary>
internal sealed partial class DuckDbLoader
{
    private void Run()
    {
        while (true)
        {
            PendingFrames batch;
            JournalPosition end;
            long sequence;
            lock (gate)
            {
                if (retry is { } failed && !Invalidated)
                {
                    // A failed load goes again first, alone: the rows that came meanwhile wait in pending, under its
                    // bound, and follow it in the journal's order.
                    (batch, end, sequence) = failed;
                    retry = null;
                }
                else
                {
                    while (!Invalidated && !IsDue())
                    {
                        if (stopping && pending.Rows == 0)
                        {
                            return;
                        }

                        Monitor.Wait(gate, pending.Rows == 0 ? Timeout.InfiniteTimeSpan : options.DuckDbLoadInterval / 4);
                    }

                    if (Invalidated)
                    {
                        break; // found by a checkpoint (Invalidate)
                    }

                    batch = pending; // two buffers, swapped: no large array per load
                    pending = spare;
                    loadingRows = batch.Rows;
                    end = pendingEnd;
                    sequence = enqueued;
                }

                flushRequested = false;
            }

            try
            {
                FaultBeforeLoad?.Invoke();
                Load(batch, end);
                batch.Clear();
                lock (gate)
                {
                    spare = batch;
                    loadingRows = 0;
                    loaded = sequence;
                    lastFailure = null;
                    failedLoads = 0;
                    Monitor.PulseAll(gate);
                }
            }
            catch (Exception e)
            {
                // Whatever it was (DuckDB's error, the disk's, or the runtime's: out of memory in the appender): a load
                // that failed, kept and tried again. Unhandled on this thread, it would end the process with every push
                // in flight.
                var invalid = IsInvalidated(e);
                if (!invalid)
                {
                    RollBack(); // a failed COMMIT leaves the connection in an aborted transaction
                }

                var attempt = failedLoads + 1; // only this thread writes it
                LogLoadFailed(logger, batch.Rows, attempt, e);
                lock (gate)
                {
                    retry = (batch, end, sequence); // its rows still count as loading (PendingRows)
                    lastFailure = e;
                    failedLoads = attempt;
                    failedLoadsEver++;
                    Monitor.PulseAll(gate); // a read waiting for these rows may give up now
                    if (invalid)
                    {
                        Invalidate(e);
                    }

                    if (invalid || (stopping && attempt >= 5))
                    {
                        break; // the journal keeps them: the next start loads them
                    }
                }

                Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(2000, 50 << Math.Min(attempt, 6))));
            }
        }

        if (Invalidated)
        {
            LogInvalidated(logger, lastFailure!.Message);
            invalidated?.Invoke();
        }
    }

    /// <summary>
    /// Stops the loader for an invalidated database, found by a load or by a checkpoint (which runs when no rows wait,
    /// so that no load would ever find it). Reads and writes waiting for a load fail now, not at their timeouts; the
    /// loader's thread reports it and stops the service.
    /// </summary>
    internal void Invalidate(Exception e)
    {
        lock (gate)
        {
            Invalidated = true;
            lastFailure = e;
            Monitor.PulseAll(gate);
        }
    }

    private bool IsDue()
    {
        if (pending.Rows == 0)
        {
            return false;
        }

        if (flushRequested || stopping || pending.Rows >= LoadAtRows)
        {
            return true;
        }

        return IntervalIsUp(pending.Rows, Stopwatch.GetElapsedTime(pendingSince), options.DuckDbLoadInterval, LoadAtRows);
    }

    /// <summary>
    /// Whether <paramref name="rows"/> that have waited <paramref name="waited"/> are loaded now. Rows coming fast enough
    /// to make <paramref name="loadAtRows"/> within <see cref="RowGroupWaitIntervals"/> intervals (a replay) wait for
    /// it, at most that long; slower ones (pushes) are loaded after one interval, so less waits in memory.
    /// </summary>
    internal static bool IntervalIsUp(int rows, TimeSpan waited, TimeSpan interval, int loadAtRows)
    {
        if (waited < interval)
        {
            return false;
        }

        var rowGroupSoon = rows * (RowGroupWaitIntervals * interval.Ticks) >= (long)loadAtRows * waited.Ticks;
        return !rowGroupSoon || waited >= RowGroupWaitIntervals * interval;
    }

    /// <summary>
    /// Pending rows that start a load before the interval is up: a DuckDB row group, which DuckDB writes straight to the
    /// file instead of the WAL (then checkpointed: written twice), unless half the pending limit comes first.
    /// </summary>
    private int LoadAtRows => Math.Min(RowGroupRows, options.DuckDbMaxPendingRows / 2);
}
