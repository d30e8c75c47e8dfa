using System.IO.Pipelines;
using System.Text;

namespace ChatIngest.Cli.Tests.Support;

/// <summary>
/// A stdin the test writes lines to, read as a process reads a pipe: a read waits for data or the end and does not
/// hear cancellation (.NET's console stream reads with a blocking read). Disposed, it ends a read still waiting.
/// </summary>
internal sealed class PipeStdin : Stream
{
    private readonly Pipe pipe = new();
    private readonly Stream reader;

    public PipeStdin() => reader = pipe.Reader.AsStream();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public async Task WriteLinesAsync(params string[] lines) =>
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))));

    /// <summary>Closes the write end: the reader sees the end of stdin.</summary>
    public void End() => pipe.Writer.Complete();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        reader.ReadAsync(buffer, CancellationToken.None);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        reader.ReadAsync(buffer, offset, count, CancellationToken.None);

    public override int Read(byte[] buffer, int offset, int count) => reader.Read(buffer, offset, count);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            pipe.Writer.Complete();
        }

        base.Dispose(disposing);
    }
}
