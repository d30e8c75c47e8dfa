using Microsoft.Extensions.Hosting;

namespace ChatIngest.Core.Warehouse;

/// <summary>Creates the warehouse's tables and view before the writer starts and before Kestrel listens.</summary>
internal sealed class WarehouseInitializer(IWarehouse warehouse) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => warehouse.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
