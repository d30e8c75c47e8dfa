using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatIngest.Core;

public static class SettingsServiceCollectionExtensions
{
    /// <summary>Binds <paramref name="section"/> to <typeparamref name="TOptions"/>, checked at start by <see cref="SettingsValidator{TOptions}"/>.</summary>
    public static OptionsBuilder<TOptions> AddSettings<TOptions>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
    {
        services.AddSingleton<IValidateOptions<TOptions>>(new SettingsValidator<TOptions>(section));
        return services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();
    }
}
