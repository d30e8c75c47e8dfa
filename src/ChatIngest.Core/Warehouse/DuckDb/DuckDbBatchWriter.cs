using ChatIngest.Core.Messages;
using DuckDB.NET.Data;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// The writer's connection and its statements; one batch, one transaction. A group commit's fixed cost is what bounds
/// pushes per second, so the common case takes the short path:
/// <list type="number">
/// <item>Append the batch straight into the keyed tables and commit. Redeliveries are rare, so this nearly always
/// succeeds; when any row's key is already stored, the PRIMARY KEY makes the append fail, the transaction rolls back
/// and nothing of the batch is kept.</item>
/// <item>Then (and for the next few batches, since duplicates come in runs, e.g. a replay of a file already loaded):
/// append to the TEMP stage tables, merge into the keyed tables (ON CONFLICT DO NOTHING, RETURNING the keys that were
/// new), let an earlier-published duplicate become the stored publication, empty the stage, commit.</item>
/// </list>
/// Either way each row is stored exactly once and the outcome per row is exact. Commands are kept: DuckDB.NET prepares
/// a command once and reuses it while its text is unchanged.
/// </summary>
internal sealed class DuckDbBatchWriter(DuckDBConnection connection) : IDisposable
{
    /// <summary>Batches that skip the short path after it met a duplicate.</summary>
    private const int MergeRunAfterDuplicate = 16;

    private readonly Dictionary<string, DuckDBCommand> commands = new(StringComparer.Ordinal);
    private int mergeRun;

    public RowOutcome[] Write(IReadOnlyList<IngestRecord> records)
    {
        var kinds = BatchKinds.Of(records);
        if (mergeRun == 0 && TryAppendAllNew(records, kinds))
        {
            return new RowOutcome[records.Count]; // all RowOutcome.Stored
        }

        mergeRun = Math.Max(0, mergeRun - 1);
        return Merge(records, kinds);
    }

    /// <summary>Folds the WAL into the database file (DuckDB's CHECKPOINT).</summary>
    public void Checkpoint() => Command("checkpoint").ExecuteNonQuery();

    public void Dispose()
    {
        foreach (var command in commands.Values)
        {
            command.Dispose();
        }

        commands.Clear();
        connection.Dispose();
    }

    private bool TryAppendAllNew(IReadOnlyList<IngestRecord> records, BatchKinds kinds)
    {
        var transaction = connection.BeginTransaction();
        try
        {
            DuckDbRowAppender.Append(connection, records, kinds, tablePrefix: "");
            transaction.Commit();
            return true;
        }
        catch (DuckDBException)
        {
            // Usually a PRIMARY KEY violation, at append or at commit; once one appender fails the others report the
            // aborted transaction instead. A commit can also fail after storing some rows (seen when DuckDB ran out
            // of memory), so a retry may meet them. Any failure here sends the batch down the merge path, which is
            // right in every case, and rethrows if the connection itself is broken.
            Quietly(transaction.Rollback);
            mergeRun = MergeRunAfterDuplicate;
            return false;
        }
        finally
        {
            Quietly(transaction.Dispose);
        }
    }

    /// <summary>Rolling back what DuckDB already rolled back (a failed commit) throws; that is not news.</summary>
    private static void Quietly(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is DuckDBException or InvalidOperationException)
        {
        }
    }

    private RowOutcome[] Merge(IReadOnlyList<IngestRecord> records, BatchKinds kinds)
    {
        using var transaction = connection.BeginTransaction();
        DuckDbRowAppender.Append(connection, records, kinds, tablePrefix: "stage_");

        var newKeys = new HashSet<string>(records.Count, StringComparer.Ordinal);
        MergeKind("orders", kinds.Orders, newKeys, resolveFirstPublication: true);
        MergeKind("conversations", kinds.Chats, newKeys, resolveFirstPublication: true);
        var newDeadLetters = new HashSet<string>(StringComparer.Ordinal);
        MergeKind("dead_letters", kinds.DeadLetters, newDeadLetters, resolveFirstPublication: false);
        transaction.Commit();

        var outcomes = new RowOutcome[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var isNew = records[i] is DeadLetterRecord
                ? newDeadLetters.Contains(records[i].Delivery.MessageId)
                : newKeys.Contains(records[i].ContentKey);
            outcomes[i] = isNew ? RowOutcome.Stored : RowOutcome.Duplicate;
        }

        return outcomes;
    }

    /// <summary>Runs <c>merge_{table}.sql</c>, adds the keys it reports as new, and empties the stage table.</summary>
    private void MergeKind(string table, int staged, HashSet<string> added, bool resolveFirstPublication)
    {
        if (staged == 0)
        {
            return;
        }

        var count = 0;
        using (var reader = Command($"merge_{table}").ExecuteReader())
        {
            while (reader.Read())
            {
                added.Add(reader.GetString(0));
                count++;
            }
        }

        if (resolveFirstPublication && count < staged)
        {
            Command($"first_publication_{table}").ExecuteNonQuery();
        }

        Command($"clear_stage_{table}").ExecuteNonQuery();
    }

    private DuckDBCommand Command(string script)
    {
        if (!commands.TryGetValue(script, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = SqlScripts.Load($"duckdb/{script}.sql");
            commands[script] = command;
        }

        return command;
    }
}
