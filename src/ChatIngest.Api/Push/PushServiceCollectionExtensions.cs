using ChatIngest.Core;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Push;

internal static class PushServiceCollectionExtensions
{
    /// <summary>The push endpoints' limits, their token check, their log, and the services their handlers share.</summary>
    public static IServiceCollection AddPush(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<PushOptions>(configuration, PushOptions.SectionName);
        services.AddOptions<PushAuthOptions>().Bind(configuration.GetSection(PushAuthOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PushAuthOptions>, PushAuthOptionsValidator>();
        services.AddSingleton<PushTokenValidator>();
        services.AddSingleton<PushLog>();
        services.AddSingleton<PushDeadlines>();
        services.AddSingleton<PushServices>();
        return services;
    }
}
