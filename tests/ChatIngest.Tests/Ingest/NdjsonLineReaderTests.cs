using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using ChatIngest.Core.Ingest;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Ingest;

/// <summary>How the NDJSON reader splits a stream that arrives a few kilobytes at a time, as Kestrel hands a body over.</summary>
public sealed class NdjsonLineReaderTests
{
    private const int PieceBytes = 4096;

    [Fact]
    public async Task ALongLineArrivingInManyReadsIsSearchedForItsBreakOnceNotAgainAtEachRead()
    {
        // 1 MiB in 256 pieces: searched again from its start at each read, the reader would look at a piece
        // 256 × 257 / 2 = 32,896 times; once, about 256 (and the copy of the line).
        var line = new byte[1 << 20];
        Array.Fill(line, (byte)'x');
        var source = new PieceReader([.. line, (byte)'\n', .. "{}\n"u8], PieceBytes);

        var lines = await ReadAllAsync(source, maxLineBytes: 2 << 20);

        Assert.Equal([line.Length, 2], lines.Select(l => l.Data.Length));
        var pieces = (line.Length / PieceBytes) + 1;
        Assert.InRange(source.PieceLooks, pieces, 8 * pieces); // a few looks a piece: the search, the CR check, the copy
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public async Task ALineExactlyAtTheLimitIsTakenWhicheverLineEndingItHas(string ending)
    {
        var atLimit = new string('a', 100);
        var source = new PieceReader(Encoding.ASCII.GetBytes(atLimit + ending + "b" + ending), 7);

        var lines = await ReadAllAsync(source, maxLineBytes: 100);

        Assert.Equal([atLimit, "b"], lines.Select(l => Encoding.ASCII.GetString(l.Data)));
        Assert.Equal([101 + (ending.Length - 1), 1 + ending.Length], lines.Select(l => l.SourceBytes));
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("")]
    public async Task ALineOneByteOverTheLimitIsRefusedWhicheverLineEndingItHas(string ending)
    {
        var source = new PieceReader(Encoding.ASCII.GetBytes("ok\n" + new string('a', 101) + ending), 7);

        var refused = await Assert.ThrowsAsync<LineTooLongException>(() => ReadAllAsync(source, maxLineBytes: 100));

        Assert.Equal(2, refused.LineNumber);
    }

    [Theory]
    [InlineData("UTF-16LE", new byte[] { 0xFF, 0xFE })]
    [InlineData("UTF-16BE", new byte[] { 0xFE, 0xFF })]
    [InlineData("UTF-32LE", new byte[] { 0xFF, 0xFE, 0x00, 0x00 })]
    [InlineData("UTF-32BE", new byte[] { 0x00, 0x00, 0xFE, 0xFF })]
    public async Task AFileInAnotherUnicodeEncodingIsRefusedBeforeAnyLineNamingIt(string encoding, byte[] mark)
    {
        Encoding other = encoding switch
        {
            "UTF-16LE" => new UnicodeEncoding(bigEndian: false, byteOrderMark: false),
            "UTF-16BE" => new UnicodeEncoding(bigEndian: true, byteOrderMark: false),
            "UTF-32LE" => new UTF32Encoding(bigEndian: false, byteOrderMark: false),
            _ => new UTF32Encoding(bigEndian: true, byteOrderMark: false),
        };
        var text = other.GetBytes("{\"orderId\": 1, \"cityCode\": \"IST\"}\n");
        var source = new PieceReader([.. mark, .. text], 3);

        var refused = await Assert.ThrowsAsync<NotUtf8NdjsonException>(() => ReadAllAsync(source, maxLineBytes: 100));

        Assert.Equal(encoding, refused.Encoding);
        Assert.Contains($"iconv -f {encoding} -t UTF-8", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")] // before the body's first byte: NdjsonStart's read sees it
    [InlineData("{\"orderId\": 1, \"cityCode\": \"IST\"}\n{\"order")] // mid-body
    public async Task ACancelledPendingReadEndsTheLinesAndLeavesTheReaderFreeForAnotherRead(string sent)
    {
        // How /replay ends its read when the service stops: a token left Kestrel's Content-Length body "in progress".
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(sent));
        var lines = new List<NdjsonLine>();
        var reading = Task.Run(async () =>
        {
            await foreach (var line in NdjsonLineReader.ReadLinesAsync(pipe.Reader, 1024, CancellationToken.None))
            {
                lines.Add(line);
            }
        });
        // The whole lines read (for the empty body, at once: the read cancelled is then the first one, NdjsonStart's, as
        // CancelPendingRead cancels the read pending or, with none, the next).
        await Wait.UntilAsync(() => lines.Count == sent.Count(c => c == '\n'), "the whole lines read");

        pipe.Reader.CancelPendingRead();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WaitAsync(TimeSpan.FromSeconds(60)));
        await pipe.Writer.WriteAsync("more"u8.ToArray());
        var next = await pipe.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60)); // throws if a read were still in progress
        Assert.EndsWith("more", Encoding.UTF8.GetString(next.Buffer.ToArray()), StringComparison.Ordinal);
        pipe.Reader.AdvanceTo(next.Buffer.End);
    }

    private static async Task<List<NdjsonLine>> ReadAllAsync(PipeReader source, int maxLineBytes)
    {
        var lines = new List<NdjsonLine>();
        await foreach (var line in NdjsonLineReader.ReadLinesAsync(source, maxLineBytes, CancellationToken.None))
        {
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>
    /// A pipe reader that hands its bytes over one more piece per read, each piece its own segment of memory that counts
    /// how often its bytes are looked at (every search, slice and copy through it gets its span).
    /// </summary>
    private sealed class PieceReader : PipeReader
    {
        private readonly ReadOnlySequence<byte> whole;
        private readonly List<SequencePosition> pieceEnds = [];
        private readonly List<CountingMemory> memories = [];
        private SequencePosition consumed;
        private int delivered;

        public PieceReader(byte[] bytes, int pieceBytes)
        {
            Piece? first = null, last = null;
            for (var start = 0; start < bytes.Length; start += pieceBytes)
            {
                var memory = new CountingMemory(bytes[start..Math.Min(bytes.Length, start + pieceBytes)]);
                memories.Add(memory);
                last = last is null ? first = new Piece(memory.Memory, 0) : last.Append(memory.Memory);
            }

            whole = first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
            for (long end = Math.Min(pieceBytes, bytes.Length); ; end = Math.Min(end + pieceBytes, bytes.Length))
            {
                pieceEnds.Add(whole.GetPosition(end));
                if (end == bytes.Length)
                {
                    break;
                }
            }

            consumed = whole.Start;
        }

        public int PieceLooks => memories.Sum(m => m.Looks);

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(Next());

        public override bool TryRead(out ReadResult result)
        {
            result = Next();
            return true;
        }

        private ReadResult Next()
        {
            delivered = Math.Min(delivered + 1, pieceEnds.Count);
            return new ReadResult(whole.Slice(consumed, pieceEnds[delivered - 1]), isCanceled: false, isCompleted: delivered == pieceEnds.Count);
        }

        public override void AdvanceTo(SequencePosition consumed) => this.consumed = consumed;

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => this.consumed = consumed;

        public override void CancelPendingRead()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }

        private sealed class Piece : ReadOnlySequenceSegment<byte>
        {
            public Piece(ReadOnlyMemory<byte> memory, long runningIndex)
            {
                Memory = memory;
                RunningIndex = runningIndex;
            }

            public Piece Append(ReadOnlyMemory<byte> memory)
            {
                var next = new Piece(memory, RunningIndex + Memory.Length);
                Next = next;
                return next;
            }
        }

        private sealed class CountingMemory(byte[] bytes) : MemoryManager<byte>
        {
            public int Looks { get; private set; }

            public override Span<byte> GetSpan()
            {
                Looks++;
                return bytes;
            }

            public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();

            public override void Unpin()
            {
            }

            protected override void Dispose(bool disposing)
            {
            }
        }
    }
}
