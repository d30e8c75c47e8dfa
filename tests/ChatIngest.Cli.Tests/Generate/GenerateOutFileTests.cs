using ChatIngest.Cli.Tests.Support;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace ChatIngest.Cli.Tests.Generate;

public sealed class GenerateOutFileTests : IDisposable
{
    private readonly string directory = TempPaths.NewDirectory();

    public void Dispose() => TempPaths.TryDelete(directory);

    /// <summary>Stderr that stops the run (as Ctrl-C does) at its first line: a progress line, so while lines are being written.</summary>
    private sealed class StopAtFirstLine(CancellationTokenSource stop) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            stop.Cancel();
        }
    }

    [Fact]
    public async Task AnOutFileStoppedByCtrlCIsLeftAsItWasWithNothingBesideIt()
    {
        var path = Path.Combine(directory, "data.ndjson");
        await File.WriteAllTextAsync(path, "{\"orderId\": 1, \"cityCode\": \"IST\"}\n");
        using var stop = new CancellationTokenSource();
        var error = new StopAtFirstLine(stop);

        var code = await CliApp.RunAsync(["generate", "-n", "10000000", "--out", path], CliRun.Context(error: error), stop.Token);

        Assert.Equal(130, code);
        Assert.Equal("{\"orderId\": 1, \"cityCode\": \"IST\"}\n", await File.ReadAllTextAsync(path));
        Assert.Equal([path], Directory.GetFiles(directory));
        Assert.Contains(error.ToString().Split('\n'), l => l.StartsWith("generate: stopped (Ctrl-C or SIGTERM) after ", StringComparison.Ordinal)
            && l.EndsWith($" lines; nothing was written to {path}.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheProgressLineSaysHowManyConversationsOfHowManyAreStarted()
    {
        // A clock that stands still: no line every 200 ms of a slow run, only the one at its end.
        var result = await CliRun.RunAsync(["generate", "-n", "250", "--out", Path.Combine(directory, "data.ndjson")], time: new FakeTimeProvider());

        Assert.Equal(0, result.ExitCode);
        // Without a terminal the last progress line is written when the run ends: all of them started by then.
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("generate: ", StringComparison.Ordinal) && l.Contains(" | ", StringComparison.Ordinal));
        Assert.EndsWith(" | 250 of 250 conversations started", line.TrimEnd('\r'), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOutFileIsReplacedWholeKeepingItsPermissionsWithNothingBesideIt()
    {
        var path = Path.Combine(directory, "data.ndjson");
        await File.WriteAllTextAsync(path, "old\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await CliRun.GenerateAsync("-n", "50", "--seed", "5", "--out", path);
        var toStdout = await CliRun.GenerateAsync("-n", "50", "--seed", "5");

        Assert.Equal(toStdout.Stdout, await File.ReadAllBytesAsync(path));
        Assert.Equal([path], Directory.GetFiles(directory));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }
}
