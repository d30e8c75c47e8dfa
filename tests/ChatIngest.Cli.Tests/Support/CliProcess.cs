using System.Diagnostics;

namespace ChatIngest.Cli.Tests.Support;

/// <summary>Runs the built CLI as a real child process (stdout and stderr redirected, so never a terminal).</summary>
internal static class CliProcess
{
    public static async Task<CliResult> RunAsync(string[] args, IDictionary<string, string> environment)
    {
        using var process = Start(args, environment);
        return await RunToExitAsync(process);
    }

    /// <summary>Reads the first line of stdout and then closes the pipe, as <c>| head -1</c> does.</summary>
    public static async Task<CliResult> RunAndCloseStdoutAfterOneLineAsync(string[] args)
    {
        using var process = Start(args, new Dictionary<string, string>());
        var stderr = process.StandardError.ReadToEndAsync();
        var first = await process.StandardOutput.ReadLineAsync();
        process.StandardOutput.Close();
        await WaitForExitAsync(process);
        return new CliResult(process.ExitCode, System.Text.Encoding.UTF8.GetBytes(first + "\n"), "", await stderr);
    }

    /// <summary>
    /// Runs the CLI under a file size limit from its first instruction on (<c>prlimit --fsize</c>, in bytes, what
    /// <c>ulimit -f</c> sets in blocks), its stdout sent to <paramref name="stdoutFile"/> when one is given, as
    /// <c>&gt; file</c> does.
    /// </summary>
    public static async Task<CliResult> RunUnderFileSizeLimitAsync(string[] args, long bytes, string? stdoutFile = null)
    {
        using var process = Start(
            ["-c", "out=$1; shift; if [ -n \"$out\" ]; then exec \"$@\" > \"$out\"; else exec \"$@\"; fi", "sh", stdoutFile ?? "",
                "prlimit", $"--fsize={bytes}", "--", Dotnet, "exec", Dll, .. args],
            new Dictionary<string, string>(),
            "/bin/sh");
        return await RunToExitAsync(process);
    }

    /// <summary>Everything the process writes to stdout and stderr, and its exit code.</summary>
    private static async Task<CliResult> RunToExitAsync(Process process)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await WaitForExitAsync(process);
        return new CliResult(process.ExitCode, System.Text.Encoding.UTF8.GetBytes(await stdout), "", await stderr);
    }

    /// <summary>Waits for the exit, three minutes at most: a CLI that hangs fails its test instead of stalling the run.</summary>
    private static async Task WaitForExitAsync(Process process)
    {
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The CLI ({process.StartInfo.FileName} {string.Join(' ', process.StartInfo.ArgumentList)}) did not exit within 3 minutes.");
        }
    }

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    private static string Dll
    {
        get
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "ChatIngest.Cli.dll");
            Assert.True(File.Exists(dll), $"{dll} is missing: the test project must reference src/ChatIngest.Cli.");
            return dll;
        }
    }

    private static Process Start(string[] args, IDictionary<string, string> environment) => Start(["exec", Dll, .. args], environment, Dotnet);

    private static Process Start(string[] arguments, IDictionary<string, string> environment, string program)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("CI");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }
}
