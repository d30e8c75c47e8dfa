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
        // Every value under a LogLevel section, however deep, as the logging system reads them (a category may be
        // written Logging__LogLevel__Microsoft__AspNetCore): a LogLevel name in any case, or its number; empty is "not set".
        var levels = sections.SelectMany(section => section.AsEnumerable(makePathsRelative: true)
            .Where(level => level.Key.Length > 0)
            .Select(level => (Key: $"{section.Path}:{level.Key}", level.Value)));
        foreach (var (key, value) in levels)
        {
            if (!string.IsNullOrEmpty(value) && !Enum.TryParse<LogLevel>(value, ignoreCase: true, out _))
            {
                throw new InvalidSettingException(
                    $"{key.Replace(":", "__", StringComparison.Ordinal)} is '{value}', which is not a log level "
                    + $"({string.Join(", ", Enum.GetNames<LogLevel>())}).");
            }
        }
    }
}
