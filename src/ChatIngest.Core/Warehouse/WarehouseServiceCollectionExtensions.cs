using ChatIngest.Core.Warehouse.DuckDb;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatIngest.Core.Warehouse;

public static class WarehouseServiceCollectionExtensions
{
    /// <summary>The warehouse port, bound to the implementation <c>Warehouse:Kind</c> names, created at start.</summary>
    public static IServiceCollection AddWarehouse(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WarehouseOptions>().Bind(configuration.GetSection(WarehouseOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WarehouseOptions>, WarehouseOptionsValidator>();
        services.AddSingleton<DuckDbWarehouse>();
        services.AddSingleton<IWarehouse>(sp => sp.GetRequiredService<DuckDbWarehouse>());
        services.AddHostedService<WarehouseInitializer>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<DuckDbCheckpointer>();
        return services;
    }
}
