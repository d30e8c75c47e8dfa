using System.Globalization;
using ChatIngest.Core;

namespace ChatIngest.Api.Hosting;

/// <summary>
/// How long a stop (SIGTERM) may take: Kestrel stops taking requests, the writer commits what was accepted, then the
/// process exits. Cloud Run kills the container 10 s after SIGTERM, so the default leaves a second to spare (half of it
/// for the writer's last moment when the web server's stop used the whole timeout: see IngestWriter.LastMoment).
/// </summary>
internal static class ShutdownTimeout
{
    public const string Key = "Hosting:ShutdownTimeout";
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(9);

    public static void Configure(WebApplicationBuilder builder)
    {
        var text = builder.Configuration[Key];
        var timeout = Default;
        if (!string.IsNullOrWhiteSpace(text)
            && (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out timeout) || timeout < TimeSpan.FromSeconds(1) || timeout > TimeSpan.FromMinutes(10)))
        {
            throw new InvalidSettingException($"Hosting__ShutdownTimeout is '{text}', must be a time span from 00:00:01 to 00:10:00 (e.g. 00:00:09).");
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = timeout);
    }
}
