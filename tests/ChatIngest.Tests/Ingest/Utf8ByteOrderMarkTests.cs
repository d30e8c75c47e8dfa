using System.IO.Pipelines;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Tests.Ingest;

public sealed class Utf8ByteOrderMarkTests
{
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>Writes <paramref name="bytes"/> in pieces cut at <paramref name="cut"/>, skips, then reads what is left.</summary>
    private static async Task<byte[]> RestAfterSkipAsync(byte[] bytes, int cut)
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

        await Utf8ByteOrderMark.SkipAsync(pipe.Reader, CancellationToken.None);
        using var rest = new MemoryStream();
        await pipe.Reader.CopyToAsync(rest);
        await writing;
        return rest.ToArray();
    }

    public static TheoryData<int> CutsThroughTheMark() => new(0, 1, 2, 3, 4);

    [Theory]
    [MemberData(nameof(CutsThroughTheMark))]
    public async Task TheMarkIsSkippedWhereverTheBodyIsCut(int cut)
    {
        var line = "{\"orderId\": 1}\n"u8.ToArray();

        var rest = await RestAfterSkipAsync([.. Bom, .. line], cut);

        Assert.Equal(line, rest);
    }

    public static TheoryData<byte[]> NotAMark() => new(
        [],
        [0xEF],
        [0xEF, 0xBB],
        [0xEF, 0xBB, 0x00, (byte)'{'],
        [0xBB, 0xBF, (byte)'{'],
        "{\"orderId\": 1}"u8.ToArray());

    [Theory]
    [MemberData(nameof(NotAMark))]
    public async Task ABodyThatDoesNotStartWithTheWholeMarkIsLeftAsItIs(byte[] bytes)
    {
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            Assert.Equal(bytes, await RestAfterSkipAsync(bytes, cut));
        }
    }

    [Fact]
    public async Task OnlyTheFirstMarkIsSkipped()
    {
        byte[] bytes = [.. Bom, .. Bom, (byte)'{', (byte)'}'];

        Assert.Equal(bytes[3..], await RestAfterSkipAsync(bytes, 3));
    }
}
