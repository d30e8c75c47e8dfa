using System.Text.RegularExpressions;
using ChatIngest.Cli.Tests.Support;
using ChatIngest.Tests.Support;

namespace ChatIngest.Cli.Tests.Generate;

public sealed class GenerateOutputErrorTests : IDisposable
{
    private readonly string directory = TempPaths.NewDirectory();

    /// <summary>
    /// A limit the generated lines pass within a second, and that the runtime itself lives with: its executable memory
    /// is a memory file counted against the limit too, and under ~2 MB the runtime stops with "Out of memory".
    /// </summary>
    private const long FileSizeLimitBytes = 8L * 1024 * 1024;

    public void Dispose() => TempPaths.TryDelete(directory);

    /// <summary>Stdout on a full disk: takes a few bytes, then fails every write as the operating system does.</summary>
    private sealed class FullDisk(int room) : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Length + count > room)
            {
                throw new IOException("No space left on device");
            }

            base.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);
    }

    /// <summary>The one line that says why: exit code 1 and no exception.</summary>
    private static string CannotWrite(CliResult result)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("exception", result.Error, StringComparison.OrdinalIgnoreCase);
        return Assert.Single(result.Error.Split('\n'), l => l.StartsWith("generate: cannot", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnOutPathThatIsADirectoryIsOneLineAndExitCodeOne()
    {
        var result = await CliRun.RunAsync(["generate", "-n", "10", "--out", directory]);

        Assert.Equal($"generate: cannot write {directory}: it is a directory", CannotWrite(result));
    }

    [Fact]
    public async Task AnOutPathEndingInASlashIsOneLineBeforeAnythingIsGeneratedOrMade()
    {
        var path = Path.Combine(directory, "new") + Path.DirectorySeparatorChar;

        var result = await CliRun.RunAsync(["generate", "-n", "10", "--out", path]);

        Assert.Equal($"generate: cannot write {path}: it names a directory, not a file", CannotWrite(result));
        Assert.False(Directory.Exists(path), "a directory was made for it");
    }

    [Fact]
    public async Task AnEmptyOutPathIsOneLineAndExitCodeOne()
    {
        var result = await CliRun.RunAsync(["generate", "-n", "10", "--out", ""]);

        Assert.Equal("generate: cannot write : --out names no file", CannotWrite(result));
    }

    [Fact]
    public async Task AnOutPathBelowAFileIsOneLineAndExitCodeOne()
    {
        var file = Path.Combine(directory, "file.ndjson");
        await File.WriteAllTextAsync(file, "");
        var result = await CliRun.RunAsync(["generate", "-n", "10", "--out", Path.Combine(file, "out.ndjson")]);

        Assert.Equal($"generate: cannot write {Path.Combine(file, "out.ndjson")}: The file '{file}' already exists", CannotWrite(result));
    }

    [Fact]
    public async Task AFullDiskOnStdoutSaysHowManyLinesWereGeneratedAndThatTheLastMayBeCutShort()
    {
        var result = await CliRun.RunAsync(["generate", "-n", "10000"], stdout: new FullDisk(100_000));

        Assert.Matches(@"^generate: cannot write stdout: No space left on device after generating [\d,]+ lines; the output is incomplete, and its last line may be cut short\.$", CannotWrite(result));
    }

    [Fact]
    public async Task AFullDiskOnTheOutFileSaysSoWithoutThePathTwice()
    {
        Assert.True(File.Exists("/dev/full"), "Linux's always-full device is needed: the tests run on Linux (.ci/run)");

        var result = await CliRun.RunAsync(["generate", "-n", "10000", "--out", "/dev/full"]);

        Assert.StartsWith("generate: cannot write /dev/full: No space left on device after ", CannotWrite(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOutFilePastTheFileSizeLimitSaysSoAndLeavesNothingBesideIt()
    {
        var path = Path.Combine(directory, "data.ndjson");
        await File.WriteAllTextAsync(path, "{\"orderId\": 1, \"cityCode\": \"IST\"}\n");

        var result = await CliProcess.RunUnderFileSizeLimitAsync(["generate", "-n", "60000", "--out", path], FileSizeLimitBytes);

        Assert.Matches(
            $@"^generate: cannot write {Regex.Escape(path)}: File too large \(the file size limit, ulimit -f, is 8,388,608 bytes\) after generating [\d,]+ lines; nothing was written to {Regex.Escape(path)}\.$",
            CannotWrite(result));
        Assert.Equal("{\"orderId\": 1, \"cityCode\": \"IST\"}\n", await File.ReadAllTextAsync(path));
        Assert.Equal([path], Directory.GetFiles(directory));
    }

    [Fact]
    public async Task StdoutToAFilePastTheFileSizeLimitSaysSoAndExitsOne()
    {
        var path = Path.Combine(directory, "data.ndjson");

        var result = await CliProcess.RunUnderFileSizeLimitAsync(["generate", "-n", "60000"], FileSizeLimitBytes, stdoutFile: path);

        Assert.Matches(
            @"^generate: cannot write stdout: File too large \(the file size limit, ulimit -f, is 8,388,608 bytes\) after generating [\d,]+ lines; the output is incomplete, and its last line may be cut short\.$",
            CannotWrite(result));
        Assert.Equal(FileSizeLimitBytes, new FileInfo(path).Length);
    }
}
