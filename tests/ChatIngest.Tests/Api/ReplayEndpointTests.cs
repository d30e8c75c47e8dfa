using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChatIngest.Tests.Api;

public sealed class ReplayEndpointTests : IDisposable
{
    private readonly ChatIngestApp app = new(new Dictionary<string, string?> { ["Ingest:ReplayChunkLines"] = "97", ["Ingest:MaxReplayLineBytes"] = "4096" });
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF]; // UTF-8's byte order mark
    private readonly HttpClient client;

    /// <summary>The last replay answer's <c>Accept-Encoding</c>: <c>identity</c> with a 415 for a compressed body.</summary>
    private string? lastAcceptEncoding;

    public ReplayEndpointTests() => client = app.CreateClient();

    public void Dispose() => app.Dispose();

    private Task<(HttpStatusCode Status, JsonElement Body)> ReplayAsync(string ndjson, string? contentEncoding = null) =>
        ReplayAsync(Encoding.UTF8.GetBytes(ndjson), contentEncoding);

    private async Task<(HttpStatusCode Status, JsonElement Body)> ReplayAsync(byte[] ndjson, string? contentEncoding = null)
    {
        using var content = new StreamContent(new MemoryStream(ndjson));
        content.Headers.ContentType = new("application/x-ndjson");
        if (contentEncoding is not null)
        {
            content.Headers.ContentEncoding.Add(contentEncoding);
        }

        using var response = await client.PostAsync("/replay", content);
        var expectedType = response.IsSuccessStatusCode ? "application/json" : "application/problem+json";
        Assert.Equal(expectedType, response.Content.Headers.ContentType?.MediaType);
        lastAcceptEncoding = response.Headers.TryGetValues("Accept-Encoding", out var values) ? string.Join(",", values) : null;
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task ReplayOfTheSeedFileCountsEveryLineAndGivesTheView()
    {
        var (status, body) = await ReplayAsync(string.Join("\n", SeedData.Lines) + "\n");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"received":1801,"orders":400,"messages":1401,"duplicates":0,"invalid":0}""", body.GetRawText());
        var expected = ViewModel.Compute(SeedData.Published);
        var actual = await ViewReader.ReadAllAsync(client);
        Assert.Equal(400, actual.Count);
        Assert.All(actual, row => Assert.Equal(expected[row.OrderId], row));
    }

    [Fact]
    public async Task ReplayingTheSameFileAgainOnlyCountsDuplicates()
    {
        var file = string.Join("\r\n", SeedData.Lines.Take(300));
        await ReplayAsync(file);

        var (status, body) = await ReplayAsync(file);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(300, body.GetProperty("received").GetInt64());
        Assert.Equal(300, body.GetProperty("duplicates").GetInt64());
        Assert.Equal(0, body.GetProperty("orders").GetInt64() + body.GetProperty("messages").GetInt64());
    }

    [Fact]
    public async Task InvalidLinesAreParkedAndCountedBlankLinesAreSkipped()
    {
        var (status, body) = await ReplayAsync(SeedData.Lines[0] + "\n\n   \nnot json\n[1]\n" + SeedData.Lines[1]);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"received":4,"orders":1,"messages":1,"duplicates":0,"invalid":2}""", body.GetRawText());
        var reasons = (await client.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("reason").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal(["not_json", "not_object"], reasons);
    }

    [Fact]
    public async Task AFileSavedWithAByteOrderMarkLoadsEveryLineEvenFilesJoinedWithTheirMarks()
    {
        byte[] body = [.. Bom, .. Encoding.UTF8.GetBytes(SeedData.Lines[1] + "\n"), .. Bom, .. Encoding.UTF8.GetBytes(SeedData.Lines[0])];

        var (status, result) = await ReplayAsync(body);

        // Lines[1] is an order event and Lines[0] a chat message. The second mark is where a second file saved with
        // one was appended (cat a.json b.json): that line loads too.
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"received":2,"orders":1,"messages":1,"duplicates":0,"invalid":0}""", result.GetRawText());
        Assert.Equal(0, (await client.GetJsonAsync("/dead-letters")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task ALineThatIsOnlyAByteOrderMarkIsSkippedAsABlankLine()
    {
        // An empty file saved with a mark, joined between two others: its line holds the mark alone.
        byte[] body = [.. Encoding.UTF8.GetBytes(SeedData.Lines[1] + "\n"), .. Bom, .. "\r\n"u8, .. Bom, .. " \n"u8, .. Encoding.UTF8.GetBytes(SeedData.Lines[0])];

        var (status, result) = await ReplayAsync(body);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"received":2,"orders":1,"messages":1,"duplicates":0,"invalid":0}""", result.GetRawText());
        Assert.Equal(0, (await client.GetJsonAsync("/dead-letters")).GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("gzip", "gunzip -c file.ndjson.gz | curl")]
    [InlineData("zstd", "zstd -dc file.ndjson.zst | curl")]
    [InlineData("x-gzip", "gunzip -c file.ndjson.gz | curl")]
    [InlineData("br", "brotli -dc file.ndjson.br | curl")]
    [InlineData("x-anything", "decompressed first, e.g. curl -X POST -T file.ndjson")] // no command to name for it
    public async Task ACompressedBodyIs415ProblemAndNothingIsStored(string encoding, string command)
    {
        // The lines are plain NDJSON, so a service that ignored the header would store them.
        var (status, body) = await ReplayAsync(string.Join("\n", SeedData.Lines.Take(10)), encoding);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Equal("identity", lastAcceptEncoding);
        Assert.Contains($"'{encoding}'", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(command, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await client.GetJsonAsync("/dead-letters")).GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await client.GetJsonAsync("/conversations")).GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("form")] // curl -d @FILE: its type, and the file's line breaks taken out
    [InlineData("multipart")] // curl -F f=@FILE: boundaries and part headers around the lines
    public async Task AFormIs415ProblemNamingHowToSendTheFileAndNothingIsStored(string kind)
    {
        HttpContent content = kind == "form"
            ? new StringContent(string.Concat(SeedData.Lines.Take(10)), Encoding.UTF8, "application/x-www-form-urlencoded")
            : new MultipartFormDataContent { { new StringContent(string.Join("\n", SeedData.Lines.Take(10))), "f", "conversations.json" } };
        using (content)
        {
            using var response = await client.PostAsync("/replay", content);

            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
            Assert.Contains("--data-binary @FILE", detail, StringComparison.Ordinal);
        }

        Assert.Equal(0, (await client.GetJsonAsync("/dead-letters")).GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await client.GetJsonAsync("/conversations")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task AGzipFileSentWithoutContentEncodingIs415ProblemAndNothingIsStored()
    {
        using var file = new MemoryStream();
        using (var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(string.Join("\n", SeedData.Lines)));
        }

        var (status, body) = await ReplayAsync(file.ToArray());

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Equal("identity", lastAcceptEncoding);
        Assert.Contains("gzip", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await client.GetJsonAsync("/dead-letters")).GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData(new byte[] { 0x1F, 0x8B }, "gzip", "gunzip -c file.ndjson.gz | curl")]
    [InlineData(new byte[] { 0x28, 0xB5, 0x2F, 0xFD }, "zstd", "zstd -dc file.ndjson.zst | curl")]
    [InlineData(new byte[] { 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00 }, "xz", "xz -dc file.ndjson.xz | curl")]
    public async Task ACompressedFileIs415WithTheCommandThatDecompressesItsFormat(byte[] magic, string format, string command)
    {
        var (status, body) = await ReplayAsync([.. magic, .. Encoding.UTF8.GetBytes("rest of the file")]);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Equal("identity", lastAcceptEncoding);
        var detail = body.GetProperty("detail").GetString();
        Assert.StartsWith($"The body is {format}-compressed", detail, StringComparison.Ordinal);
        Assert.Contains(command, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUtf16FileIs415ProblemNamingHowToConvertItAndNothingIsStored()
    {
        // What Windows PowerShell 5.1's > and Out-File write: read as UTF-8, each of its lines became a dead letter.
        var utf16 = Encoding.Unicode; // UTF-16LE, with its byte order mark
        var (status, body) = await ReplayAsync([.. utf16.GetPreamble(), .. utf16.GetBytes(string.Join("\r\n", SeedData.Lines.Take(5)))]);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Null(lastAcceptEncoding); // not a compression: nothing to say about encodings
        Assert.Equal("The replay body must be UTF-8.", body.GetProperty("title").GetString());
        Assert.Contains("iconv -f UTF-16LE -t UTF-8 FILE | curl", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await client.GetJsonAsync("/dead-letters")).GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await client.GetJsonAsync("/conversations")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task AReplayedLinesIdEndsInItsLineNumberAsAnEditorCountsItBlankLinesIncluded()
    {
        var (status, _) = await ReplayAsync("\n" + SeedData.Lines[0] + "\n\n  \nnot json\n");

        Assert.Equal(HttpStatusCode.OK, status);
        var id = (await client.GetJsonAsync("/dead-letters")).GetProperty("items")[0].GetProperty("message_id").GetString();
        Assert.Matches("^replay-[0-9]+-0000000005$", id);
    }

    [Fact]
    public async Task AnIdentityEncodedBodyIsReadAsItIs()
    {
        var (status, body) = await ReplayAsync(string.Join("\n", SeedData.Lines.Take(10)), "identity");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(10, body.GetProperty("received").GetInt64());
    }

    [Fact]
    public async Task ALineOverTheLimitIs413ProblemNamingItsLineAndTheLinesBeforeItAreKept()
    {
        // Line 3 as an editor numbers it: the blank line 1 counts, though it is not stored.
        var (status, body) = await ReplayAsync("\n" + SeedData.Lines[0] + "\n" + new string('x', 5000) + "\n" + SeedData.Lines[1]);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.StartsWith("Line 3 is longer than 4,096 bytes. It and the rest were not read; the 1 line before it is stored.",
            body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("send the lines after it, e.g. tail -n +4 FILE", body.GetProperty("detail").GetString(), StringComparison.Ordinal); // not "replay it all again"
        var row = (await client.GetJsonAsync("/conversations")).GetProperty("items");
        Assert.Equal(1, row.GetArrayLength());
    }

    [Theory]
    [InlineData(0, "no line before it was stored")]
    [InlineData(3, "the 3 lines before it are stored")]
    public async Task A413SaysHowManyLinesBeforeItAreStoredInWords(int before, string said)
    {
        var (status, body) = await ReplayAsync(string.Join("\n", SeedData.Lines.Take(before).Append(new string('x', 5000))));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.StartsWith($"Line {before + 1} is longer than 4,096 bytes. It and the rest were not read; {said}.",
            body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoReplaysStartedAtTheSameClockReadingParkTheirInvalidLinesAsTwoDeadLetters()
    {
        // The clock stands still, as two replays starting in one microsecond see it: their lines' ids must still differ,
        // or the second replay's dead letter is taken for a redelivery of the first one's and not stored.
        var frozen = new FakeTimeProvider(new DateTimeOffset(2024, 2, 1, 10, 0, 0, TimeSpan.Zero));
        using var frozenApp = new ChatIngestApp(configureServices: s => s.AddSingleton<TimeProvider>(frozen));
        using var frozenClient = frozenApp.CreateClient();

        foreach (var _ in new[] { 1, 2 })
        {
            using var content = new StringContent("not json", Encoding.UTF8, "application/x-ndjson");
            using var response = await frozenClient.PostAsync("/replay", content);
            Assert.Equal("""{"received":1,"orders":0,"messages":0,"duplicates":0,"invalid":1}""", await response.Content.ReadAsStringAsync());
        }

        var ids = (await frozenClient.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("message_id").GetString()).ToList();
        Assert.Equal(2, ids.Distinct().Count());
    }
}
