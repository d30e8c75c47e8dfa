using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ChatIngest.Tests.Support;

/// <summary>
/// The built service as a real child process (<c>dotnet ChatIngest.Api.dll</c>), for what only a process shows:
/// start-up errors, listen addresses, signals.
/// </summary>
public sealed class ApiProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();

    private ApiProcess(Process process) => this.process = process;

    public int Id => process.Id;

    public string StandardError { get { lock (stderr) { return stderr.ToString(); } } }

    public string StandardOutput { get { lock (stdout) { return stdout.ToString(); } } }

    public static ApiProcess Start(string workingDirectory, IDictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ChatIngest.Api.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var key in new[] { "PORT", "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_ENVIRONMENT" })
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var started = new ApiProcess(Process.Start(info)!);
        started.process.OutputDataReceived += (_, e) => { lock (started.stdout) { started.stdout.AppendLine(e.Data); } };
        started.process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (started.stderr) { started.stderr.AppendLine(e.Data); } } };
        started.process.BeginOutputReadLine();
        started.process.BeginErrorReadLine();
        return started;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits for the process to end by itself; kills it and fails after the limit.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The service did not exit within {limit}. stderr: {StandardError}");
        }

        process.WaitForExit(); // flush the redirected output
        return process.ExitCode;
    }

    /// <summary>Polls <c>/healthz</c> until it answers; fails if the process ends first or the limit passes.</summary>
    public async Task WaitUntilHealthyAsync(string baseUrl, TimeSpan limit)
    {
        using var client = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with {process.ExitCode}. stderr: {StandardError}");
            }

            try
            {
                using var response = await client.GetAsync("/healthz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The service did not become healthy within {limit}. stderr: {StandardError}");
    }

    /// <summary>Sends a POSIX signal (e.g. 15 = SIGTERM, 9 = SIGKILL) to the process.</summary>
    public void Signal(int signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {process.Id}") { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
    }
}
