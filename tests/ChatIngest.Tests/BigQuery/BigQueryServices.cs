using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChatIngest.Tests.BigQuery;

/// <summary>The warehouse registration of the service, pointed at a <see cref="FakeBigQuery"/>, without HTTP in front.</summary>
internal static class BigQueryServices
{
    public static ServiceProvider Create(
        FakeBigQuery fake, IDictionary<string, string?>? extra = null, string retryBudget = "00:00:20", Action<IServiceCollection>? configure = null)
    {
        var settings = fake.Settings(retryBudget);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddWarehouse(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    public static IWarehouse Warehouse(this ServiceProvider services) => services.GetRequiredService<IWarehouse>();

    private static readonly DateTime Published = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

    public static ChatMessageRecord Chat(long orderId, int n, string stage = "ACCEPTED") => new(
        new Delivery($"{orderId * 100 + n}", Published.AddSeconds(n), Published.AddSeconds(n)),
        $"{orderId:x16}{n:x16}", orderId, SenderRole.Courier, "Courier Android", Published.AddSeconds(n), n == 0, stage, 1, 2, 3, 4);
}
