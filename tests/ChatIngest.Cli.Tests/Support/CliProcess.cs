using System.Diagnostics;

namespace ChatIngest.Cli.Tests.Support;

/// <summary>Runs the built CLI as a real child process (stdout and stderr redirected, so never a terminal).</summary>
internal static class CliProcess
{
    public static async Task<CliResult> RunAsync(string[] args, IDictionary<string, string> environment)
    {
        using var process = Start(args, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new CliResult(process.ExitCode, System.Text.Encoding.UTF8.GetBytes(await stdout), "", await stderr);
    }

    /// <summary>Reads the first line of stdout and then closes the pipe, as <c>| head -1</c> does.</summary>
    public static async Task<CliResult> RunAndCloseStdoutAfterOneLineAsync(string[] args)
    {
        using var process = Start(args, new Dictionary<string, string>());
        var stderr = process.StandardError.ReadToEndAsync();
        var first = await process.StandardOutput.ReadLineAsync();
        process.StandardOutput.Close();
        await process.WaitForExitAsync();
        return new CliResult(process.ExitCode, System.Text.Encoding.UTF8.GetBytes(first + "\n"), "", await stderr);
    }

    private static Process Start(string[] args, IDictionary<string, string> environment)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "ChatIngest.Cli.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the test project must reference src/ChatIngest.Cli.");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
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
