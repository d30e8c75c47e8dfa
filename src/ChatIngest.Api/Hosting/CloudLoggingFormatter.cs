using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ChatIngest.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace ChatIngest.Api.Hosting;

/// <summary>
/// Console logs as Cloud Logging reads them from a container's output (<c>Logging__Console__FormatterName=cloudlogging</c>,
/// which the image sets): one JSON object a line, with <c>severity</c>, <c>message</c> and <c>time</c>, and each
/// structured hole (<c>{MessageId}</c>) a field of its own. Cloud Run makes every line of output one log entry: with the
/// default text, a warning had no severity, and an exception's stack trace was one entry per line. An exception is
/// written into the message after it, where Error Reporting looks for a stack trace. Scopes are not written (the
/// service opens none of its own), nor a timestamp format: <c>time</c> is always RFC 3339 in UTC.
/// </summary>
internal sealed class CloudLoggingFormatter(IConfiguration configuration, TimeProvider time) : ConsoleFormatter(FormatterName)
{
    /// <summary>
    /// The project of a line's trace: the BigQuery project, which <c>deploy/</c> makes the Cloud Run service's own.
    /// Cloud Logging ties a line to its request's entry by <c>projects/{project}/traces/{id}</c>, and Cloud Run starts each
    /// request's trace with a <c>traceparent</c> header, which ASP.NET Core's request activity takes on.
    /// </summary>
    private readonly string? project = configuration["Warehouse:ProjectId"] is { Length: > 0 } id ? id : null;

    public const string FormatterName = "cloudlogging";

    /// <summary>The formatter names the console logger knows: ASP.NET Core's three, and this one.</summary>
    private static readonly string[] Known = [ConsoleFormatterNames.Simple, ConsoleFormatterNames.Json, ConsoleFormatterNames.Systemd, FormatterName];

    /// <summary>
    /// The formatter setting, checked before the host is built: the console logger takes a name it does not know for
    /// its default text without a word, so a misspelt one went unseen until the logs were needed.
    /// </summary>
    public static void ThrowIfUnknown(IConfiguration configuration)
    {
        var name = configuration["Logging:Console:FormatterName"];
        if (!string.IsNullOrEmpty(name) && !Known.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            throw new InvalidSettingException(
                $"Logging__Console__FormatterName is '{name}', which is not a console log format ({string.Join(", ", Known)}).");
        }
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("severity", Severity(logEntry.LogLevel));
            json.WriteString("message", logEntry.Exception is { } e ? $"{message}\n{e}" : message);
            json.WriteString("time", time.GetUtcNow().UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("category", logEntry.Category);
            json.WriteNumber("eventId", logEntry.EventId.Id);
            if (project is not null && Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
            {
                WriteTrace(json, project, activity);
            }

            if (logEntry.State is IReadOnlyList<KeyValuePair<string, object?>> fields)
            {
                foreach (var (key, value) in fields)
                {
                    // The template itself is in the message already; a hole named like a field above keeps its value under another name.
                    if (key != "{OriginalFormat}")
                    {
                        WriteField(json, Reserved.Contains(key) ? $"field.{key}" : key, value);
                    }
                }
            }

            json.WriteEndObject();
        }

        textWriter.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        textWriter.Write('\n');
    }

    /// <summary>Read by Cloud Logging, not a browser: "Pub/Sub's" as it is, not "Pub/Sub\u0027s". Control characters are still escaped.</summary>
    internal static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private const decimal ExactInDouble = 9_007_199_254_740_992m;

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "severity", "message", "time", "category", "eventId",
        "logging.googleapis.com/trace", "logging.googleapis.com/spanId", "logging.googleapis.com/trace_sampled",
    };

    /// <summary>
    /// The trace and span a line belongs to: Cloud Run's, which its <c>traceparent</c> named as the request's parent.
    /// This process's own spans are not exported (there is no tracing here), so naming one would tie the line to a span
    /// Cloud Trace never sees; and a request without a <c>traceparent</c> has a trace made up here, which nothing else
    /// has: no trace then. The sampling flag is Cloud Run's too, as the request's activity took it on.
    /// </summary>
    private static void WriteTrace(Utf8JsonWriter json, string project, Activity activity)
    {
        var root = activity;
        while (root.Parent is { } parent)
        {
            root = parent;
        }

        // The request's activity has no parent in this process; a parent span id then came from the traceparent.
        if (root.ParentSpanId != default)
        {
            json.WriteString("logging.googleapis.com/trace", $"projects/{project}/traces/{root.TraceId.ToHexString()}");
            json.WriteString("logging.googleapis.com/spanId", root.ParentSpanId.ToHexString());
            json.WriteBoolean("logging.googleapis.com/trace_sampled", (root.ActivityTraceFlags & ActivityTraceFlags.Recorded) != 0);
        }
    }

    /// <summary>Cloud Logging's <c>LogSeverity</c> names.</summary>
    private static string Severity(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        LogLevel.Critical => "CRITICAL",
        _ => "DEFAULT",
    };

    private static void WriteField(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(key);
                break;
            case bool b:
                json.WriteBoolean(key, b);
                break;
            case int or long or short or byte or uint or ulong or ushort or sbyte:
                // Cloud Logging keeps a JSON number as a double: an order id past 2^53 would come back another number.
                var integer = Convert.ToDecimal(value, CultureInfo.InvariantCulture);
                if (Math.Abs(integer) <= ExactInDouble)
                {
                    json.WriteNumber(key, integer);
                }
                else
                {
                    json.WriteString(key, integer.ToString(CultureInfo.InvariantCulture));
                }

                break;
            case double d when double.IsFinite(d):
                json.WriteNumber(key, d);
                break;
            case float f when float.IsFinite(f):
                json.WriteNumber(key, f);
                break;
            case IFormattable formattable:
                json.WriteString(key, formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                json.WriteString(key, value.ToString());
                break;
        }
    }
}
