namespace ChatIngest.Api.Replay;

internal static class ReplayServiceCollectionExtensions
{
    /// <summary>The replay endpoint's guard.</summary>
    public static IServiceCollection AddReplay(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReplayOptions>().Bind(configuration.GetSection(ReplayOptions.SectionName));
        services.AddSingleton<ReplayStarts>();
        return services;
    }
}
