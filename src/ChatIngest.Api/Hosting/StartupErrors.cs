using System.Text.RegularExpressions;
using ChatIngest.Core;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Hosting;

/// <summary>
/// A bad setting stops start-up with one line naming the key, not a stack trace (API.md "Configuration").
/// </summary>
internal static partial class StartupErrors
{
    public const int BadSettingExitCode = 2;

    /// <summary>Runs the service; returns its exit code (<paramref name="run"/>'s, or 2 for a bad setting).</summary>
    public static async Task<int> RunAsync(StartupLines lines, Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (OptionsValidationException e)
        {
            return Fail(lines, string.Join(" ", e.Failures));
        }
        catch (AggregateException e) when (e.InnerExceptions.All(i => i is OptionsValidationException))
        {
            return Fail(lines, string.Join(" ", e.InnerExceptions.SelectMany(i => ((OptionsValidationException)i).Failures)));
        }
        catch (InvalidSettingException e)
        {
            return Fail(lines, e.Message);
        }
        catch (IOException e) when (e.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
        {
            return Fail(lines, $"cannot listen: {e.Message} (set --urls or PORT)");
        }
        catch (InvalidOperationException e) when (e.Message.StartsWith("Unable to configure HTTPS endpoint", StringComparison.Ordinal))
        {
            // No certificate for an https:// URL, or one Kestrel cannot use (out of date, a wrong password). Kestrel finds
            // its certificates in several places (the store, the development certificate's file, Kestrel__Endpoints), so
            // it alone says so, inside the host's start: after the host's failure log, but no longer an abort (134).
            return Fail(lines, $"cannot listen on https: {e.Message.Split('\n', 2)[0].Trim()} Give Kestrel a certificate "
                + "(Kestrel__Certificates__Default__Path, or dotnet dev-certs https), or listen on http:// behind a proxy that ends TLS, as Cloud Run does.");
        }
        catch (Exception e) when (Unconvertible(e) is { } line)
        {
            return Fail(lines, line);
        }
    }

    /// <summary>
    /// The configuration binder's "Failed to convert configuration value 'abc' at 'Ingest:QueueCapacity' to type
    /// 'System.Int32'", possibly inside an <see cref="AggregateException"/>, as one line naming the environment variable.
    /// </summary>
    private static string? Unconvertible(Exception e)
    {
        var inner = e is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : e;
        if (inner is not InvalidOperationException || BinderFailure().Match(inner.Message) is not { Success: true } match)
        {
            return null;
        }

        var key = match.Groups["key"].Value.Replace(":", "__", StringComparison.Ordinal);
        var type = match.Groups["type"].Value switch
        {
            "System.Int32" or "System.Int64" => "a whole number",
            "System.TimeSpan" => "a duration such as 00:00:05",
            "System.Boolean" => "true or false",
            "System.Double" => "a number",
            var other => $"a {other}",
        };
        return $"{key} is '{match.Groups["value"].Value}', which is not {type}.";
    }

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.Singleline)]
    private static partial Regex BinderFailure();

    private static int Fail(StartupLines lines, string line)
    {
        lines.Write("ERROR", line);
        return BadSettingExitCode;
    }
}
