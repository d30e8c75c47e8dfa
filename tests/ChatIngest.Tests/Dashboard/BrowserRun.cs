using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Dashboard;

/// <summary>
/// Runs <c>tests/browser/dashboard.mjs</c> (playwright-core driving Debian's chromium) against a running service and
/// returns its JSON report. A missing tool fails the test with what to install: <c>.ci/run</c> installs all of them.
/// </summary>
internal static class BrowserRun
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(5);

    public static async Task<JsonElement> DriveDashboardAsync(Uri baseAddress, string replayFile, string screenshotDirectory, string? laterReplayFile = null)
    {
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";
        Assert.True(File.Exists(chromium), $"{chromium} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does.");
        var scripts = Path.Combine(TempPaths.RepositoryRoot(), "tests", "browser");
        Assert.True(
            Directory.Exists(Path.Combine(scripts, "node_modules", "playwright-core")),
            $"playwright-core is not installed in {scripts}: run `npm ci` there, as .ci/run does.");

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = scripts,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "dashboard.mjs", baseAddress.ToString().TrimEnd('/'), replayFile, screenshotDirectory },
        };
        if (laterReplayFile is not null)
        {
            start.ArgumentList.Add(laterReplayFile);
        }

        start.Environment["CHROMIUM_PATH"] = chromium;

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("node is not on PATH: install Node.js 20 or newer (Debian: apt-get install -y nodejs npm).", e);
        }

        using (process)
        using (var guard = new CancellationTokenSource(HangGuard))
        {
            var stdout = process.StandardOutput.ReadToEndAsync(guard.Token);
            var stderr = process.StandardError.ReadToEndAsync(guard.Token);
            try
            {
                await process.WaitForExitAsync(guard.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"dashboard.mjs did not finish within {HangGuard}: {await stderr}");
            }

            var output = await stdout;
            Assert.True(process.ExitCode == 0, $"dashboard.mjs failed (exit {process.ExitCode}): {await stderr}{output}");
            var lastLine = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
            return JsonDocument.Parse(lastLine).RootElement.Clone();
        }
    }
}
