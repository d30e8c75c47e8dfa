using System.IO.Compression;
using System.Text;
using ChatIngest.Cli.Sources;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Cli.Tests.Sources;

public sealed class NdjsonLinesTests
{
    private static async Task<List<NdjsonLine>> ReadLinesAsync(byte[] source)
    {
        var lines = new List<NdjsonLine>();
        await foreach (var line in NdjsonLines.ReadAsync(new MemoryStream(source), CancellationToken.None))
        {
            lines.Add(line);
        }

        return lines;
    }

    private static async Task<List<string>> ReadAsync(byte[] source) =>
        (await ReadLinesAsync(source)).ConvertAll(line => Encoding.UTF8.GetString(line.Data));

    [Fact]
    public async Task AFilesByteOrderMarkIsNotSentAsPartOfItsFirstLine()
    {
        byte[] source = [0xEF, 0xBB, 0xBF, .. """{"orderId": 1, "cityCode": "IST"}"""u8, (byte)'\r', (byte)'\n', .. """{"orderId": 2, "cityCode": "BER"}"""u8];

        var lines = await ReadAsync(source);

        Assert.Equal(["""{"orderId": 1, "cityCode": "IST"}""", """{"orderId": 2, "cityCode": "BER"}"""], lines);
    }

    [Fact]
    public async Task LinesAreSentByteForByteOtherwiseBlankOnesSkipped()
    {
        byte[] source = [.. """ {"orderId": 1} """u8, (byte)'\n', (byte)' ', (byte)'\n', 0xEF, 0xBB, 0xBF, (byte)'x', (byte)'\n'];

        var lines = await ReadAsync(source);

        // Only the source's own start loses a mark; one inside is the line's, sent as it is.
        Assert.Equal([""" {"orderId": 1} """, "\uFEFFx"], lines);
    }

    [Fact]
    public async Task EachLineKnowsItsNumberInTheSourceCountingBlankOnes()
    {
        var source = "\n{\"orderId\": 1}\r\n \n\n{\"orderId\": 2}"u8.ToArray();

        var lines = await ReadLinesAsync(source);

        Assert.Equal([2, 5], lines.ConvertAll(line => line.Number));
    }

    [Fact]
    public async Task ALineOverPubSubsLimitStopsTheReadNamingItsNumberAfterTheLinesBeforeIt()
    {
        var source = new MemoryStream();
        source.Write("\n{\"orderId\": 1}\n"u8);
        var tooLong = new byte[NdjsonLines.MaxLineBytes + 1];
        Array.Fill(tooLong, (byte)'x');
        source.Write(tooLong);
        source.Write("\n{\"orderId\": 2}\n"u8);
        var read = new List<long>();

        var refused = await Assert.ThrowsAsync<LineTooLongException>(async () =>
        {
            await foreach (var line in NdjsonLines.ReadAsync(new MemoryStream(source.ToArray()), CancellationToken.None))
            {
                read.Add(line.Number);
            }
        });

        Assert.Equal([2], read);
        Assert.Equal(3, refused.LineNumber);
        Assert.Equal("Line 3 is longer than 10,485,760 bytes.", refused.Message);
    }

    [Fact]
    public async Task ACompressedSourceIsRefusedBeforeAnyLineIsRead()
    {
        using var file = new MemoryStream();
        using (var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write("""{"orderId": 1, "cityCode": "IST"}"""u8);
        }

        var refused = await Assert.ThrowsAsync<CompressedNdjsonException>(() => ReadAsync(file.ToArray()));

        Assert.Contains("gzip-compressed", refused.Message, StringComparison.Ordinal);
    }
}
