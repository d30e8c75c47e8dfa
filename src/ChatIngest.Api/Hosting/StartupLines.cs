using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ChatIngest.Api.Hosting;

/// <summary>
/// The lines the service writes to standard error itself, before its logger can (a bad setting, a signal while the
/// warehouse opens): <c>chatingest: …</c> as text, or, with the <c>cloudlogging</c> console format (the image's), one
/// JSON object with its severity, as Cloud Logging reads a line. As text it had no severity, and an alert on errors
/// missed a revision that could not start.
/// </summary>
internal sealed class StartupLines(TextWriter writer, bool json)
{
    private volatile bool json = json;

    public static StartupLines For(IConfiguration configuration, TextWriter writer) => new(writer, IsCloudLogging(configuration));

    /// <summary>Once the host's configuration is built: its format, appsettings.json's and prefixed variables' included.</summary>
    public void FollowFormatOf(IConfiguration configuration) => json = IsCloudLogging(configuration);

    private static bool IsCloudLogging(IConfiguration configuration) =>
        string.Equals(configuration["Logging:Console:FormatterName"], CloudLoggingFormatter.FormatterName, StringComparison.OrdinalIgnoreCase);

    /// <summary>Before the host's configuration is built: from the environment (where the image sets the format) and the command line.</summary>
    public static StartupLines For(string[] args, TextWriter writer) =>
        For(new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build(), writer);

    /// <param name="severity">Cloud Logging's name for it (<c>ERROR</c>, <c>NOTICE</c>); text lines do not show it.</param>
    public void Write(string severity, string line)
    {
        var text = $"chatingest: {line}";
        if (!json)
        {
            writer.WriteLine(text);
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var entry = new Utf8JsonWriter(buffer, CloudLoggingFormatter.Options))
        {
            entry.WriteStartObject();
            entry.WriteString("severity", severity);
            entry.WriteString("message", text);
            entry.WriteString("time", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            entry.WriteEndObject();
        }

        writer.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}
