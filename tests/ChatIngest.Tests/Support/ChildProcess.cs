using System.Diagnostics;

namespace ChatIngest.Tests.Support;

/// <summary>Runs a real program to its end (node, bash, shellcheck, the service itself) and keeps what it printed.</summary>
public static class ChildProcess
{
    public sealed record Result(int ExitCode, string Output, string Error);

    /// <summary>Runs <paramref name="fileName"/>; a missing program fails with a message saying how CI installs it.</summary>
    public static async Task<Result> RunAsync(
        string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
        IDictionary<string, string?>? environment = null, string? missingHint = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? TempPaths.RepositoryRoot(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"'{fileName}' cannot be run ({e.Message}). {missingHint ?? ""}".Trim());
            throw;
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{fileName} {string.Join(' ', start.ArgumentList)} did not end within 3 minutes.");
            }

            return new Result(process.ExitCode, await output, await error);
        }
    }

    /// <summary>
    /// Runs the service itself to its end. Unless the test says where it listens, it listens on a port the OS picks:
    /// start-up checks the default localhost:8080 first, and a service the developer runs there would fail the test.
    /// </summary>
    public static Task<Result> RunServiceAsync(IEnumerable<string> arguments, string workingDirectory, IDictionary<string, string?>? environment = null)
    {
        var settings = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>());
        if (!settings.Keys.Any(k => k is "ASPNETCORE_URLS" or "PORT" or "urls"))
        {
            settings["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        }

        return RunAsync("dotnet", [ApiAssembly, .. arguments], workingDirectory, settings);
    }

    /// <summary>The service's own entry assembly, as built beside the tests.</summary>
    public static string ApiAssembly => Path.Combine(AppContext.BaseDirectory, "ChatIngest.Api.dll");
}
