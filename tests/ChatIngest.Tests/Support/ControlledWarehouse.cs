using System.Collections.Concurrent;
using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.DuckDb;
using Microsoft.Extensions.DependencyInjection;

namespace ChatIngest.Tests.Support;

/// <summary>
/// The real DuckDB warehouse with a hand on its writes: they can be held at a gate (a slow or hung warehouse) or made
/// to throw (a warehouse that is down). Reads pass straight through, unless held at a gate of their own (slow queries).
/// </summary>
public sealed class ControlledWarehouse
{
    private readonly TaskCompletionSource entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource gate = Open();

    /// <summary>Completes when a write first reached the warehouse.</summary>
    public Task Entered => entered.Task;

    public const string FailureMessage = "injected: the warehouse is down";

    public bool FailWrites { get; set; }

    /// <summary>Every record a write brought, held weakly: a test sees whether anything still holds them.</summary>
    public ConcurrentQueue<WeakReference> Written { get; } = new();

    public int FailedWrites { get; private set; }

    public Action<IServiceCollection> Register => services =>
        services.AddSingleton<IWarehouse>(sp => new Port(this, sp.GetRequiredService<DuckDbWarehouse>()));

    public void Hold() => gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    private TaskCompletionSource readGate = Open();
    private int readsInside;

    /// <summary>Reads that reached the warehouse and wait at its read gate now.</summary>
    public int ReadsInside => Volatile.Read(ref readsInside);

    public void HoldReads() => readGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseReads() => readGate.TrySetResult();

    private async Task<T> ReadAsync<T>(Func<Task<T>> read)
    {
        Interlocked.Increment(ref readsInside);
        try
        {
            await readGate.Task;
        }
        finally
        {
            Interlocked.Decrement(ref readsInside);
        }

        return await read();
    }

    public void Release() => gate.TrySetResult();

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    private sealed class Port(ControlledWarehouse owner, IWarehouse inner) : IWarehouse
    {
        public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

        public async Task<RowOutcome[]> WriteAsync(IReadOnlyList<IngestRecord> records, CancellationToken cancellationToken)
        {
            foreach (var record in records)
            {
                owner.Written.Enqueue(new WeakReference(record));
            }

            owner.entered.TrySetResult(); // after Written: a test that saw Entered sees this write's records

            await owner.gate.Task;
            if (owner.FailWrites)
            {
                owner.FailedWrites++;
                throw new IOException(FailureMessage);
            }

            return await inner.WriteAsync(records, cancellationToken);
        }

        public Task<bool> IsReadyAsync(CancellationToken cancellationToken) => inner.IsReadyAsync(cancellationToken);

        public Task<Page<ConversationRow>> ListConversationsAsync(ConversationQuery query, CancellationToken cancellationToken) =>
            owner.ReadAsync(() => inner.ListConversationsAsync(query, cancellationToken));

        public Task<ConversationRow?> GetConversationAsync(long orderId, CancellationToken cancellationToken) =>
            owner.ReadAsync(() => inner.GetConversationAsync(orderId, cancellationToken));

        public Task<Page<DeadLetterRow>> ListDeadLettersAsync(DeadLetterQuery query, CancellationToken cancellationToken) =>
            owner.ReadAsync(() => inner.ListDeadLettersAsync(query, cancellationToken));

        public Task<ConversationStats> GetStatsAsync(StatsQuery query, CancellationToken cancellationToken) =>
            owner.ReadAsync(() => inner.GetStatsAsync(query, cancellationToken));
    }
}
