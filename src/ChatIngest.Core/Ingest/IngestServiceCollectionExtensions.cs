using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatIngest.Core.Ingest;

public static class IngestServiceCollectionExtensions
{
    /// <summary>Decoding, classification, the bounded queue and its one writer. Register after the warehouse.</summary>
    public static IServiceCollection AddIngest(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<IngestOptions>(configuration, IngestOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new PayloadClassifier());
        services.AddSingleton<PushDecoder>();
        services.AddSingleton<IngestQueue>();
        services.AddMetrics();
        services.AddSingleton<IngestMetrics>();
        services.AddHostedService<IngestWriter>();
        return services;
    }
}
