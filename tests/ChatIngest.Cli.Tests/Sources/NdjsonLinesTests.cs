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
    public async Task ALineOverPubSubsLimitIsReadPastAndComesAsTooLongWithTheLinesAfterIt()
    {
        var source = new MemoryStream();
        source.Write("\n"u8);
        source.Write(Enumerable.Repeat((byte)'a', NdjsonLines.MaxLineBytes).ToArray()); // at the limit: a line like any other
        source.Write("\n"u8);
        source.Write(Enumerable.Repeat((byte)'x', NdjsonLines.MaxLineBytes + 1).ToArray());
        source.Write("\n{\"orderId\": 2}\n"u8);
        source.Write(Enumerable.Repeat((byte)'y', (3 * NdjsonLines.MaxLineBytes) + 5).ToArray()); // the last line, with no line break

        var lines = await ReadLinesAsync(source.ToArray());

        Assert.Equal([2, 3, 4, 5], lines.ConvertAll(line => line.Number));
        Assert.Equal([false, true, false, true], lines.ConvertAll(line => line.TooLong));
        Assert.Equal(NdjsonLines.MaxLineBytes, lines[0].Data.Length);
        Assert.Equal(["", "{\"orderId\": 2}", ""], lines[1..].ConvertAll(line => Encoding.UTF8.GetString(line.Data)));
        Assert.Equal([NdjsonLines.MaxLineBytes + 1L, NdjsonLines.MaxLineBytes + 2L, 15L, (3L * NdjsonLines.MaxLineBytes) + 5],
            lines.ConvertAll(line => line.SourceBytes));
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
        Assert.Contains("e.g. gunzip -c FILE | ", refused.Message, StringComparison.Ordinal);
    }
}
