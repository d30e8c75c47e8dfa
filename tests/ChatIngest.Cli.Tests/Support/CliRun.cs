using System.Text;
using ChatIngest.Cli;
using Google.Apis.Auth.OAuth2;

namespace ChatIngest.Cli.Tests.Support;

/// <summary>What one run of the CLI left behind.</summary>
internal sealed record CliResult(int ExitCode, byte[] Stdout, string Out, string Error)
{
    public string StdoutText => Encoding.UTF8.GetString(Stdout);

    public string[] StdoutLines => StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// Runs the real command tree in-process, as if not on a terminal: captured stdout/stderr, the given environment
/// variables only, optional stdin (bytes, or a stream such as a pipe the test writes to) and stdout. Progress lines
/// come every 200 ms of real time. Never real Google credentials: without <c>credentials</c>, asking for them fails as
/// it does on a machine without Application Default Credentials.
/// </summary>
internal static class CliRun
{
    public static async Task<CliResult> RunAsync(
        string[] args,
        IDictionary<string, string>? environment = null,
        byte[]? stdin = null,
        ITokenAccess? credentials = null,
        HttpMessageHandler? http = null,
        Stream? stdout = null,
        TimeProvider? time = null,
        CancellationToken cancellationToken = default)
    {
        stdout ??= new MemoryStream();
        var output = new StringWriter();
        var error = new StringWriter();
        var context = Context(output, error, stdout, environment, stdin, credentials, http, time);
        var code = await CliApp.RunAsync(args, context, cancellationToken);
        return new CliResult(code, stdout is MemoryStream written ? written.ToArray() : [], output.ToString(), error.ToString());
    }

    public static CliContext Context(
        StringWriter? output = null, StringWriter? error = null, Stream? stdout = null,
        IDictionary<string, string>? environment = null, byte[]? stdin = null,
        ITokenAccess? credentials = null, HttpMessageHandler? http = null, TimeProvider? time = null, Stream? stdinStream = null) => new()
    {
        Out = TextWriter.Synchronized(output ?? new StringWriter()),
        Error = TextWriter.Synchronized(error ?? new StringWriter()),
        OpenStandardInput = () => stdinStream ?? new MemoryStream(stdin ?? []),
        OpenStandardOutput = () => stdout ?? Stream.Null,
        Environment = name => environment is not null && environment.TryGetValue(name, out var value) ? value : null,
        Interactive = false,
        ProgressInterval = TimeSpan.FromMilliseconds(200),
        GoogleCredentials = (_, _) => credentials is null
            ? throw new InvalidOperationException("The Application Default Credentials are not available (a test).")
            : Task.FromResult(credentials),
        HttpHandler = http,
        Time = time ?? TimeProvider.System,
    };

    /// <summary><c>generate</c> to stdout; fails the test when it does not exit 0.</summary>
    public static async Task<CliResult> GenerateAsync(params string[] options)
    {
        var result = await RunAsync(["generate", .. options]);
        Assert.True(result.ExitCode == 0, $"generate exited {result.ExitCode}: {result.Error}");
        return result;
    }
}
