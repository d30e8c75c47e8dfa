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

    /// <summary>The service's own entry assembly, as built beside the tests.</summary>
    public static string ApiAssembly => Path.Combine(AppContext.BaseDirectory, "ChatIngest.Api.dll");
}
