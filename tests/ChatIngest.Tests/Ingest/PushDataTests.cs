using System.Buffers;
using System.Text;
using System.Text.Json;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Tests.Ingest;

/// <summary>
/// <c>message.data</c> is decoded from the envelope's bytes, not from a string; what it takes as base64 must be what
/// <see cref="Convert.TryFromBase64String"/> took before, and text it refuses is kept as it came for the dead letter.
/// </summary>
public sealed class PushDataTests
{
    private const string Base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    [Fact]
    public void DataIsTakenAsBase64ExactlyWhenConvertTakesItWhetherEscapedOrSplitAcrossPieces()
    {
        var random = new Random(20261126);
        for (var i = 0; i < 4000; i++)
        {
            var text = RandomData(random);
            var escaped = Escape(text, random);
            var json = Encoding.UTF8.GetBytes($$$"""{"message":{"data":"{{{escaped}}}","messageId":"1"}}""");

            var expected = new byte[text.Length];
            var isBase64 = Convert.TryFromBase64String(text, expected, out var written);
            var expectedBytes = isBase64 ? expected[..written] : Encoding.UTF8.GetBytes(text);

            foreach (var pieces in new[] { 1, 2, 7 })
            {
                var data = Read(json, pieces);
                Assert.True(isBase64 == data.IsBase64, $"'{text}' sent as '{escaped}' in {pieces} pieces: Convert says {isBase64}");
                Assert.Equal(expectedBytes, data.Bytes.ToArray());
                data.Release();
            }
        }
    }

    [Fact]
    public void DataGivenAsBytesIsWrittenAsTheirBase64AndReadBackWhole()
    {
        var bytes = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var envelope = new PushEnvelope { Message = new PushMessage { Data = PushData.FromBytes(bytes), MessageId = "1" } };

        var json = JsonSerializer.Serialize(envelope, PushEnvelopeJsonContext.Default.PushEnvelope);

        using var document = JsonDocument.Parse(json);
        Assert.Equal(Convert.ToBase64String(bytes), document.RootElement.GetProperty("message").GetProperty("data").GetString());
        Assert.Equal(bytes, Read(Encoding.UTF8.GetBytes(json), pieces: 1).Bytes.ToArray());
    }

    [Fact]
    public void ALargeMessagesDataIsReadWithoutATextCopyOfIt()
    {
        // Read as a string, 4 MB of data would first be 5.3 MB of base64 and so 10.7 MB of UTF-16: 2.7 times the data.
        var bytes = new byte[4_000_000];
        new Random(7).NextBytes(bytes);
        var json = Encoding.UTF8.GetBytes($$$"""{"message":{"data":"{{{Convert.ToBase64String(bytes)}}}","messageId":"1"}}""");
        Read(Encoding.UTF8.GetBytes("""{"message":{"data":"AAAA","messageId":"1"}}"""), pieces: 1).Release(); // loaded and compiled

        var before = GC.GetAllocatedBytesForCurrentThread();
        var data = Read(json, pieces: 1);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(bytes, data.Bytes.ToArray());
        Assert.InRange(allocated, bytes.Length, bytes.Length * 1.1); // the decoded bytes, and little else
    }

    [Theory]
    [InlineData("12")]
    [InlineData("true")]
    [InlineData("{}")]
    [InlineData("\"\\uD800AAAA\"")] // a lone surrogate: no text at all, as it was no string when read as one
    public void DataThatIsNotAJsonStringOfTextMakesTheEnvelopeUnreadable(string value)
    {
        var json = Encoding.UTF8.GetBytes($$$"""{"message":{"data":{{{value}}},"messageId":"1"}}""");

        Assert.Throws<JsonException>(() => Read(json, pieces: 1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)] // in pieces, the reader unescapes the text and checks its UTF-8 itself
    public void DataThatIsNotUtf8MakesTheEnvelopeUnreadableHoweverItsBodyArrived(int pieces)
    {
        byte[] json = [.. """{"message":{"data":"AA"""u8, 0xFF, .. "\",\"messageId\":\"1\"}}"u8];

        Assert.Throws<JsonException>(() => Read(json, pieces));
    }

    /// <summary>Valid base64 of random bytes, then as often as not spoilt: padding, white space, other characters.</summary>
    private static string RandomData(Random random)
    {
        var bytes = new byte[random.Next(0, 40)];
        random.NextBytes(bytes);
        var text = new StringBuilder(Convert.ToBase64String(bytes));
        var changes = random.Next(0, 4);
        for (var c = 0; c < changes; c++)
        {
            var at = random.Next(0, text.Length + 1);
            switch (random.Next(0, 6))
            {
                case 0:
                    text.Insert(at, " \t\r\n"[random.Next(4)]);
                    break;
                case 1:
                    text.Insert(at, Base64Alphabet[random.Next(Base64Alphabet.Length)]);
                    break;
                case 2:
                    text.Insert(at, '=');
                    break;
                case 3:
                    text.Insert(at, "-_*!é\u00a0\v\f"[random.Next(8)]);
                    break;
                case 4 when text.Length > 0:
                    text.Remove(Math.Min(at, text.Length - 1), 1);
                    break;
                default:
                    text.Append(' ');
                    break;
            }
        }

        return text.ToString();
    }

    /// <summary>JSON string content for <paramref name="text"/>, with some characters escaped as JSON writers may.</summary>
    private static string Escape(string text, Random random)
    {
        var escaped = new StringBuilder();
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '/' when random.Next(2) == 0 => "\\/",
                '\t' => "\\t",
                '\r' => "\\r",
                '\n' => "\\n",
                < ' ' or '\u00a0' or 'é' => $"\\u{(int)c:X4}",
                _ when random.Next(20) == 0 => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }

    private static PushData Read(byte[] json, int pieces)
    {
        var reader = new Utf8JsonReader(Split(json, pieces));
        var envelope = JsonSerializer.Deserialize(ref reader, PushEnvelopeJsonContext.Default.PushEnvelope);
        return envelope?.Message?.Data ?? throw new InvalidOperationException("no data");
    }

    private static ReadOnlySequence<byte> Split(byte[] bytes, int pieces)
    {
        if (pieces == 1)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        var size = Math.Max(1, bytes.Length / pieces);
        Segment? first = null, last = null;
        for (var start = 0; start < bytes.Length; start += size)
        {
            var segment = new Segment(bytes.AsMemory(start, Math.Min(size, bytes.Length - start)), last);
            first ??= segment;
            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
