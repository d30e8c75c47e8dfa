using ChatIngest.Core.Warehouse.BigQuery;
using ChatIngest.Core.Warehouse.DuckDb;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatIngest.Core.Warehouse;

public static class WarehouseServiceCollectionExtensions
{
    /// <summary>
    /// The warehouse port, bound to the implementation <c>Warehouse:Kind</c> names, created at start. The choice is made
    /// when the port is first resolved, from the bound options, so settings added after registration (a test host's)
    /// count too.
    /// </summary>
    public static IServiceCollection AddWarehouse(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WarehouseOptions>().Bind(configuration.GetSection(WarehouseOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WarehouseOptions>, WarehouseOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DuckDbWarehouse>();

        services.AddHttpClient(BigQueryRestClient.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<GoogleAccess>();
        services.AddSingleton<BigQueryRestClient>();
        services.AddSingleton<BigQueryWarehouse>();
        services.AddSingleton<BigQuerySetup>();

        services.AddSingleton<IWarehouse>(sp => sp.GetRequiredService<IOptions<WarehouseOptions>>().Value.IsBigQuery
            ? sp.GetRequiredService<BigQueryWarehouse>()
            : sp.GetRequiredService<DuckDbWarehouse>());
        services.AddHostedService<WarehouseInitializer>();
        services.AddHostedService<DuckDbCheckpointer>();
        return services;
    }
}
