using Google.Apis.Auth.OAuth2;
using Microsoft.Win32.SafeHandles;

namespace ChatIngest.Cli;

/// <summary>
/// What a command touches outside itself — console, environment, HTTP, clock, Google credentials — so tests can run the real commands
/// in-process with captured output, their own environment variables and an in-process HTTP server.
/// </summary>
internal sealed class CliContext
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public required Func<Stream> OpenStandardInput { get; init; }

    public required Func<Stream> OpenStandardOutput { get; init; }

    public required Func<string, string?> Environment { get; init; }

    /// <summary>True on a terminal: a live progress bar; false (redirected or CI): a plain line every few seconds.</summary>
    public bool Interactive { get; init; }

    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Null: real sockets. Tests may route HTTP through their own handler.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>Application Default Credentials for a scope; tests hand in their own token source.</summary>
    public Func<string, CancellationToken, Task<ITokenAccess>> GoogleCredentials { get; init; } = ApplicationDefaultAsync;

    /// <summary>How long Ctrl-C waits for a command to stop on its own; null leaves process signals alone (tests).</summary>
    public TimeSpan? ProcessTerminationTimeout { get; init; }

    public static CliContext ForProcess() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        OpenStandardInput = Console.OpenStandardInput,
        OpenStandardOutput = StandardOutput,
        Environment = System.Environment.GetEnvironmentVariable,
        Interactive = !Console.IsOutputRedirected && !Console.IsErrorRedirected
            && string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("CI")),
        ProcessTerminationTimeout = TimeSpan.FromSeconds(15),
    };

    /// <summary>
    /// Console's stream pretends that a write to a closed pipe succeeded, so <c>generate | head</c> would go on writing
    /// into nothing; a FileStream on file descriptor 1 reports it (EPIPE). Only for a pipe or a terminal: on a file
    /// (<c>&gt; out.ndjson</c>) a FileStream writes at an offset of its own, not at the one the shell shares with what
    /// writes after it, and a file has no reader to go away.
    /// </summary>
    private static Stream StandardOutput()
    {
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                var stdout = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
                if (!stdout.CanSeek)
                {
                    return stdout;
                }

                stdout.Dispose();
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
            {
                // Descriptor 1 closed or unusable: Console's stream copes with that.
            }
        }

        return Console.OpenStandardOutput();
    }

    private static async Task<ITokenAccess> ApplicationDefaultAsync(string scope, CancellationToken cancellationToken) =>
        (await GoogleCredential.GetApplicationDefaultAsync(cancellationToken)).CreateScoped(scope);

    /// <summary>Redirects are not followed: HttpClient turns a POST into a GET on a 301/302, and the answer to that misleads.</summary>
    public HttpClient CreateHttpClient(TimeSpan timeout)
    {
        var handler = HttpHandler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false };
        return new HttpClient(handler, disposeHandler: HttpHandler is null) { Timeout = timeout };
    }
}
