using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.DuckDb;
using Microsoft.Extensions.DependencyInjection;

namespace ChatIngest.Tests.Support;

/// <summary>The real DuckDB warehouse, with writes that fail while <see cref="Down"/> is set.</summary>
public sealed class FlakyWarehouse(DuckDbWarehouse inner) : IWarehouse
{
    private volatile bool down;
    private int failedWrites;

    public bool Down { get => down; set => down = value; }

    public int FailedWrites => Volatile.Read(ref failedWrites);

    public static void Install(IServiceCollection services)
    {
        services.AddSingleton<FlakyWarehouse>();
        services.AddSingleton<IWarehouse>(sp => sp.GetRequiredService<FlakyWarehouse>());
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public Task<RowOutcome[]> WriteAsync(IReadOnlyList<IngestRecord> records, CancellationToken cancellationToken)
    {
        if (Down)
        {
            Interlocked.Increment(ref failedWrites);
            throw new IOException("simulated: the disk is gone");
        }

        return inner.WriteAsync(records, cancellationToken);
    }

    public Task<bool> IsReadyAsync(CancellationToken cancellationToken) => Down ? Task.FromResult(false) : inner.IsReadyAsync(cancellationToken);

    public Task<Page<ConversationRow>> ListConversationsAsync(ConversationQuery query, CancellationToken cancellationToken) => inner.ListConversationsAsync(query, cancellationToken);

    public Task<ConversationRow?> GetConversationAsync(long orderId, CancellationToken cancellationToken) => inner.GetConversationAsync(orderId, cancellationToken);

    public Task<Page<DeadLetterRow>> ListDeadLettersAsync(DeadLetterQuery query, CancellationToken cancellationToken) => inner.ListDeadLettersAsync(query, cancellationToken);

    public Task<ConversationStats> GetStatsAsync(StatsQuery query, CancellationToken cancellationToken) => inner.GetStatsAsync(query, cancellationToken);
}
