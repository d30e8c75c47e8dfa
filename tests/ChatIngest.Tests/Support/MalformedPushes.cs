using System.Globalization;
using System.Text;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Tests.Support;

/// <summary>What the service must do with one fuzzed push.</summary>
public enum FuzzExpectation
{
    /// <summary>Not a usable envelope: 400, and nothing stored (there is no message id to park it under).</summary>
    Rejected,

    /// <summary>A usable envelope with bad data: 204, parked in dead_letters under its message id with a reason.</summary>
    Parked,

    /// <summary>A valid message sent between the bad ones: 204 and its view row.</summary>
    Stored,
}

public sealed record FuzzCase(string Kind, byte[] Body, FuzzExpectation Expect, string? MessageId, long? OrderId);

/// <summary>
/// A seeded generator of malformed push deliveries (the same seed gives the same cases): broken envelopes, and valid
/// envelopes around broken data — random bytes, truncated JSON, deep nesting, huge numbers, wrong types, invalid
/// UTF-8, overlong strings, bad base64 — with one valid message in every ten.
/// </summary>
public sealed class MalformedPushes(int seed)
{
    private const string Time = "2024-02-01T10:00:00Z";
    private readonly Random random = new(seed);

    public FuzzCase Next(int index)
    {
        if (index % 10 == 9)
        {
            var orderId = 900_000_000L + index;
            return Wrapped("valid", Encoding.UTF8.GetBytes(Payloads.CourierStart(orderId)), index, FuzzExpectation.Stored, orderId);
        }

        return random.Next(10) < 3 ? BadEnvelope() : BadData(index);
    }

    private FuzzCase BadEnvelope()
    {
        var valid = $$$"""{"message":{"data":"e30=","messageId":"env-{{{random.Next()}}}","publishTime":"{{{Time}}}"},"subscription":"projects/p/subscriptions/s"}""";
        return random.Next(8) switch
        {
            0 => Rejected("random bytes", RandomBytes(0, 300)),
            1 => Rejected("truncated envelope", Encoding.UTF8.GetBytes(valid[..random.Next(valid.Length)])),
            2 => Rejected("deep envelope", Encoding.UTF8.GetBytes("""{"message":{"messageId":"d","data":"e30="},"x":""" + Nest(random.Next(17, 5000)) + "}")),
            3 => Rejected("envelope wrong types", Encoding.UTF8.GetBytes(Pick(
                """{"message":5}""", """{"message":{"messageId":12345,"data":"e30="}}""", """{"message":{"messageId":"a","data":42}}""",
                """{"message":{"messageId":"a","attributes":[1,2]}}""", """{"message":{"messageId":"a","publishTime":true}}""",
                """{"message":{"messageId":"a"},"deliveryAttempt":"x"}""", "[]", "\"str\"", "null", """{"message":null}"""))),
            4 => Rejected("envelope huge number", Encoding.UTF8.GetBytes(
                """{"message":{"messageId":"a","data":"e30="},"deliveryAttempt":""" + Pick("1e999", "99999999999999999999999", "-1.5e308") + "}")),
            5 => Rejected("envelope invalid UTF-8", [.. "{\"message\":{\"messageId\":\"a"u8, .. InvalidUtf8(), .. "b\",\"data\":\"e30=\"}}"u8]),
            6 => Rejected("envelope without usable id", Encoding.UTF8.GetBytes(Pick(
                """{"message":{"data":"e30="}}""", """{"message":{"messageId":"","data":"e30="}}""", """{"message":{"messageId":"   "}}""",
                $$$"""{"message":{"messageId":"{{{new string('i', 300)}}}"}}"""))),
            _ => Rejected("bad publish time", Encoding.UTF8.GetBytes($$$"""{"message":{"messageId":"t","publishTime":"{{{Pick("yesterday", "2024-13-45T99:00:00Z", "", "1706781600")}}}"}}""")),
        };
    }

    private FuzzCase BadData(int index)
    {
        var message = Payloads.CourierStart(1);
        (string Kind, byte[] Data) bad = random.Next(12) switch
        {
            0 => ("random bytes", RandomBytes(1, 300)),
            1 => ("truncated JSON", Encoding.UTF8.GetBytes(message[..random.Next(1, message.Length)])),
            2 => ("deep nesting", Encoding.UTF8.GetBytes("{\"a\":" + Nest(random.Next(33, 3000)) + "}")),
            3 => ("huge number", Encoding.UTF8.GetBytes(message.Replace("\"orderId\":1", "\"orderId\":" + Pick("1e400", "123456789012345678901234567890", "-5", "0", "1.5"), StringComparison.Ordinal))),
            4 => ("wrong type", Encoding.UTF8.GetBytes(Pick(
                message.Replace("\"orderId\":1", "\"orderId\":\"1\"", StringComparison.Ordinal),
                message.Replace("\"chatStartedByMessage\":true", "\"chatStartedByMessage\":\"yes\"", StringComparison.Ordinal),
                message.Replace("\"messageSentTime\":\"2024-02-01T10:00:56Z\"", "\"messageSentTime\":12345", StringComparison.Ordinal),
                message.Replace("\"senderAppType\":\"Courier Android\"", "\"senderAppType\":7", StringComparison.Ordinal),
                message.Replace("\"orderStage\":\"ACCEPTED\"", "\"orderStage\":null", StringComparison.Ordinal)))),
            5 => ("invalid UTF-8", [.. Encoding.UTF8.GetBytes(message[..20]), .. InvalidUtf8(), .. Encoding.UTF8.GetBytes(message[20..])]),
            6 => ("overlong string", Encoding.UTF8.GetBytes(random.Next(2) == 0
                ? Payloads.Order(1, new string('C', random.Next(OrderEventValidator.MaxCityCodeLength + 1, 20_000))) // orderStage has no limit
                : message.Replace("Courier Android", new string('X', random.Next(1, 20_000)), StringComparison.Ordinal))),
            7 => ("not an object", Encoding.UTF8.GetBytes(Pick("[1,2]", "\"text\"", "42", "null", "true"))),
            8 => ("duplicate key", Encoding.UTF8.GetBytes(message.Replace("\"orderId\":1", "\"orderId\":1,\"orderId\":2", StringComparison.Ordinal))),
            9 => ("missing field", Encoding.UTF8.GetBytes(message.Replace("\"toId\":22,", "", StringComparison.Ordinal))),
            10 => ("unknown kind or bad time", Encoding.UTF8.GetBytes(Pick(
                """{"foo":1}""", message.Replace("2024-02-01T10:00:56Z", "yesterday", StringComparison.Ordinal)))),
            _ => ("empty data", []),
        };

        if (random.Next(15) == 0)
        {
            // Not base64 at all: the data field itself is broken.
            var id = $"fuzz-{index}";
            var text = Pick("!!!", "abc", "e30=*", "%%%%", "YQ==YQ==x") + new string('*', random.Next(0, 50));
            return new FuzzCase("bad base64", Encoding.UTF8.GetBytes($$$"""{"message":{"data":"{{{text}}}","messageId":"{{{id}}}","publishTime":"{{{Time}}}"}}"""), FuzzExpectation.Parked, id, null);
        }

        return Wrapped(bad.Kind, bad.Data, index, FuzzExpectation.Parked, null);
    }

    private static FuzzCase Wrapped(string kind, byte[] data, int index, FuzzExpectation expect, long? orderId)
    {
        var id = $"fuzz-{index}";
        var envelope = data.Length == 0 && index % 2 == 0
            ? $$$"""{"message":{"messageId":"{{{id}}}","publishTime":"{{{Time}}}"}}"""
            : $$$"""{"message":{"data":"{{{Convert.ToBase64String(data)}}}","messageId":"{{{id}}}","publishTime":"{{{Time}}}"}}""";
        return new FuzzCase(kind, Encoding.UTF8.GetBytes(envelope), expect, id, orderId);
    }

    private static FuzzCase Rejected(string kind, byte[] body) => new(kind, body, FuzzExpectation.Rejected, null, null);

    private byte[] RandomBytes(int min, int max)
    {
        var bytes = new byte[random.Next(min, max)];
        random.NextBytes(bytes);
        return bytes;
    }

    private byte[] InvalidUtf8() => Pick<byte[]>([0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xF0, 0x28, 0x8C, 0x28], [0xED, 0xA0, 0x80]);

    private static string Nest(int depth) => new string('[', depth) + new string(']', depth);

    private T Pick<T>(params T[] choices) => choices[random.Next(choices.Length)];

    internal static string Describe(FuzzCase c) =>
        string.Create(CultureInfo.InvariantCulture, $"{c.Kind} ({c.Body.Length} bytes): {Encoding.UTF8.GetString(c.Body[..Math.Min(c.Body.Length, 160)])}");
}
