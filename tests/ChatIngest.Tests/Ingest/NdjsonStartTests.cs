using System.IO.Compression;
using System.IO.Pipelines;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Tests.Ingest;

public sealed class NdjsonStartTests
{
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// Writes <paramref name="bytes"/> in two pieces cut at <paramref name="cut"/>, reads the start, then the rest.
    /// </summary>
    private static async Task<(string? Compressed, byte[] Remaining)> ReadAsync(byte[] bytes, int cut)
    {
        var pipe = new Pipe();
        var writing = Task.Run(async () =>
        {
            foreach (var piece in new[] { bytes[..cut], bytes[cut..] })
            {
                await pipe.Writer.WriteAsync(piece);
                await Task.Delay(5); // let the reader see the first piece alone
            }

            await pipe.Writer.CompleteAsync();
        });

        var compressed = await NdjsonStart.ReadAsync(pipe.Reader, CancellationToken.None);
        using var rest = new MemoryStream();
        await pipe.Reader.CopyToAsync(rest);
        await writing;
        return (compressed, rest.ToArray());
    }

    private static IEnumerable<int> Cuts(byte[] bytes) => Enumerable.Range(0, Math.Min(bytes.Length, 10) + 1);

    [Fact]
    public async Task TheByteOrderMarkIsSkippedWhereverTheBodyIsCut()
    {
        var line = "{\"orderId\": 1}\n"u8.ToArray();
        byte[] bytes = [.. Bom, .. line];

        foreach (var cut in Cuts(bytes))
        {
            var (compressed, remaining) = await ReadAsync(bytes, cut);
            Assert.Null(compressed);
            Assert.Equal(line, remaining);
        }
    }

    public static TheoryData<byte[]> NotAMark() => new(
        [],
        [0xEF],
        [0xEF, 0xBB],
        [0xEF, 0xBB, 0x00, (byte)'{'],
        [0xBB, 0xBF, (byte)'{'],
        "{\"orderId\": 1}"u8.ToArray(),
        "not json at all"u8.ToArray());

    [Theory]
    [MemberData(nameof(NotAMark))]
    public async Task ABodyThatDoesNotStartWithTheWholeMarkIsLeftAsItIs(byte[] bytes)
    {
        foreach (var cut in Cuts(bytes))
        {
            var (compressed, remaining) = await ReadAsync(bytes, cut);
            Assert.Null(compressed);
            Assert.Equal(bytes, remaining);
        }
    }

    [Fact]
    public async Task OnlyTheFirstMarkIsSkipped()
    {
        byte[] bytes = [.. Bom, .. Bom, (byte)'{', (byte)'}'];

        var (compressed, remaining) = await ReadAsync(bytes, 3);

        Assert.Null(compressed);
        Assert.Equal(bytes[3..], remaining);
    }

    [Fact]
    public async Task AGzipFileIsNamedAndNothingIsConsumed()
    {
        using var file = new MemoryStream();
        using (var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write("{\"orderId\": 1}\n"u8);
        }

        var bytes = file.ToArray();
        foreach (var cut in Cuts(bytes))
        {
            var (compressed, remaining) = await ReadAsync(bytes, cut);
            Assert.Equal("gzip", compressed);
            Assert.Equal(bytes, remaining);
        }
    }

    public static TheoryData<string, byte[]> OtherCompressedStarts() => new()
    {
        // The formats' own magic numbers (zstd: RFC 8878 §3.1.1; xz: the .xz file format, §2.1.1.1), then any bytes.
        { "zstd", [0x28, 0xB5, 0x2F, 0xFD, 0x24, 0x0F, 0x79, 0x00] },
        { "xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0x00, 0x04, 0xE6] },
        { "gzip", [.. Bom, 0x1F, 0x8B, 0x08, 0x00] },
    };

    [Theory]
    [MemberData(nameof(OtherCompressedStarts))]
    public async Task OtherCompressedFormatsAreNamedToo(string format, byte[] bytes)
    {
        var (compressed, _) = await ReadAsync(bytes, 1);

        Assert.Equal(format, compressed);
    }
}
