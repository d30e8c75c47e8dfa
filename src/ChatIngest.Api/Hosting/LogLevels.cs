using ChatIngest.Core;

namespace ChatIngest.Api.Hosting;

/// <summary>
/// The log levels in configuration (<c>Logging__LogLevel__Default</c>, <c>Logging__Console__LogLevel__…</c>), checked
/// before the host is built: the logging system refuses a bad one ("Configuration value 'Nope' is not supported") with
/// neither the key nor a way out of the stack trace, when the first logger is made.
/// </summary>
internal static class LogLevels
{
    public static void ThrowIfInvalid(IConfiguration configuration)
    {
        var logging = configuration.GetSection("Logging");
        var sections = logging.GetChildren()
            .Select(child => child.Key.Equals("LogLevel", StringComparison.OrdinalIgnoreCase) ? child : child.GetSection("LogLevel"));
        foreach (var level in sections.SelectMany(section => section.GetChildren()))
        {
            // As the logging system reads them: a LogLevel name in any case, or its number; empty means "not set".
            if (!string.IsNullOrEmpty(level.Value) && !Enum.TryParse<LogLevel>(level.Value, ignoreCase: true, out _))
            {
                throw new InvalidSettingException(
                    $"{level.Path.Replace(":", "__", StringComparison.Ordinal)} is '{level.Value}', which is not a log level "
                    + $"({string.Join(", ", Enum.GetNames<LogLevel>())}).");
            }
        }
    }
}
