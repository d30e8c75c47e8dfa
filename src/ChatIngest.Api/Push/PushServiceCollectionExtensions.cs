using ChatIngest.Core;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Push;

internal static class PushServiceCollectionExtensions
{
    /// <summary>The push endpoint's limits, its token check and its log.</summary>
    public static IServiceCollection AddPush(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<PushOptions>(configuration, PushOptions.SectionName);
        services.AddOptions<PushAuthOptions>().Bind(configuration.GetSection(PushAuthOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PushAuthOptions>, PushAuthOptionsValidator>();
        services.AddSingleton<PushTokenValidator>();
        services.AddSingleton<PushLog>();
        services.AddSingleton<PushDeadlines>();
        return services;
    }
}
