using ChatIngest.Cli.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace ChatIngest.Cli.Tests.Generate;

public sealed class GenerateStdoutTests
{
    /// <summary>A pipe whose reader is gone: every write fails as it does on Linux and macOS (EPIPE, errno 32).</summary>
    private sealed class ClosedPipe : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("Broken pipe", 32);

        public override void Write(ReadOnlySpan<byte> buffer) => throw new IOException("Broken pipe", 32);
    }

    /// <summary>A pipe nobody reads: the first write blocks until the test lets it go.</summary>
    private sealed class UnreadPipe : Stream
    {
        private readonly ManualResetEventSlim release = new();
        private readonly TaskCompletionSource blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Blocked => blocked.Task;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Release() => release.Set();

        public override void Write(byte[] buffer, int offset, int count)
        {
            blocked.TrySetResult();
            release.Wait();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    [Fact]
    public async Task AReaderThatClosesThePipeStopsGenerateWithoutAWordAndExitCode141()
    {
        // Controlled time, so that no progress line comes due: whatever is on stderr was written because of the pipe.
        var result = await CliRun.RunAsync(["generate", "-n", "1000000"], stdout: new ClosedPipe(), time: new FakeTimeProvider());

        Assert.Equal(141, result.ExitCode);
        Assert.Equal("", result.Error);
    }

    [Fact]
    public async Task GenerateIntoAPipeThatHeadClosesStopsWithExitCode141AndNoSummary()
    {
        // The real process: Console's own stdout stream would swallow EPIPE and generate all 200,000 conversations.
        var result = await CliProcess.RunAndCloseStdoutAfterOneLineAsync(["generate", "-n", "200000"]);

        Assert.Equal(141, result.ExitCode);
        Assert.StartsWith("{\"senderAppType\": ", result.StdoutText, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Error.Split('\n'), l => l.Contains("conversations,", StringComparison.Ordinal)
            || l.Contains("cannot", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CtrlCWhileStdoutIsNotBeingReadStopsGenerateWithItsUsualMessage()
    {
        using var stop = new CancellationTokenSource();
        var stdout = new UnreadPipe();
        try
        {
            var run = CliRun.RunAsync(["generate", "-n", "1000000"], stdout: stdout, cancellationToken: stop.Token);
            await stdout.Blocked;
            await stop.CancelAsync();

            // Only a guard: the blocked write never returns, so before the fix the run never ended.
            var result = await run.WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(130, result.ExitCode);
            Assert.Contains(result.Error.Split('\n'), l => l.StartsWith("generate: stopped (Ctrl-C or SIGTERM) after ", StringComparison.Ordinal)
                && l.EndsWith(" lines; the output ends mid-stream.", StringComparison.Ordinal));
        }
        finally
        {
            stdout.Release();
        }
    }
}
