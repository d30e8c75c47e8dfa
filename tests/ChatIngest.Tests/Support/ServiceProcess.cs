using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace ChatIngest.Tests.Support;

/// <summary>
/// The built service as a real child process (<c>dotnet ChatIngest.Api.dll</c>) on 127.0.0.1 and a free port, for
/// what only a process shows: Kestrel's own limits, SIGTERM, SIGKILL and a restart on the same file.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private readonly Process process;
    private readonly StringBuilder output = new();

    private ServiceProcess(Process process, Uri address)
    {
        this.process = process;
        Address = address;
        // "Expect: 100-continue" waits for the service's answer before the body: 1 s by default, after which a loaded
        // machine's client sent a body over the limit anyway and lost the 413 to the connection Kestrel then closed.
        Client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public int Id => process.Id;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the service and, unless <paramref name="waitUntilHealthy"/> is false, waits until it is healthy. With no
    /// <paramref name="databasePath"/> it uses its default (<c>data/chatingest.duckdb</c> under
    /// <paramref name="workingDirectory"/>); <paramref name="listenVia"/> says how it is told where to listen.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(
        string? databasePath, IDictionary<string, string>? environment = null, string? workingDirectory = null,
        ListenVia listenVia = ListenVia.Urls, bool waitUntilHealthy = true)
    {
        var apiDirectory = ApiDirectory();
        var port = FreePorts.Next();
        var address = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory ?? apiDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(apiDirectory, "ChatIngest.Api.dll"));
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("PORT");
        switch (listenVia)
        {
            case ListenVia.Port:
                start.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
                break;
            case ListenVia.KestrelEndpoint:
                start.Environment["Kestrel__Endpoints__Http__Url"] = address.ToString().TrimEnd('/');
                break;
            default:
                start.ArgumentList.Add("--urls");
                start.ArgumentList.Add(address.ToString().TrimEnd('/'));
                break;
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        if (databasePath is not null)
        {
            start.Environment["Warehouse__DuckDbPath"] = databasePath;
        }

        start.Environment["Logging__LogLevel__Default"] = "Information";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var service = new ServiceProcess(process, address);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (waitUntilHealthy)
        {
            try
            {
                await service.WaitUntilHealthyAsync();
            }
            catch
            {
                await service.DisposeAsync(); // no service left running behind a test that never got it to dispose
                throw;
            }
        }

        return service;
    }

    /// <summary>Sends a POSIX signal (SIGTERM for a graceful stop, SIGKILL for a crash); Process.Kill is SIGKILL only.</summary>
    public void Signal(int signal)
    {
        if (Kill(process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>The exit code, waiting at most <paramref name="atMost"/> (a hang fails the test instead of stalling it).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan atMost)
    {
        using var cancel = new CancellationTokenSource(atMost);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The service did not exit within {atMost}. Output:\n{Output}");
        }

        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private async Task WaitUntilHealthyAsync()
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with {process.ExitCode} while starting. Output:\n{Output}");
            }

            try
            {
                using var response = await Client.GetAsync("/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"The service did not become healthy. Output:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    /// <summary>The service's own build output, same configuration as these tests (Debug or Release).</summary>
    private static string ApiDirectory()
    {
        var testDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testDirectory.Name;
        var configuration = testDirectory.Parent!.Name;
        var directory = Path.Combine(TempPaths.RepositoryRoot(), "src", "ChatIngest.Api", "bin", configuration, framework);
        return File.Exists(Path.Combine(directory, "ChatIngest.Api.dll"))
            ? directory
            : throw new FileNotFoundException($"ChatIngest.Api.dll is not built in {directory}; run `dotnet build` first.");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
