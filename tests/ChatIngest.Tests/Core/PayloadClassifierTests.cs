using System.Text;
using System.Text.Json;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Core;

public sealed class PayloadClassifierTests
{
    private static readonly DateTime T = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);
    private readonly PayloadClassifier classifier = new();

    private IngestRecord Classify(string json) => classifier.Classify(Encoding.UTF8.GetBytes(json), new Delivery("1", T, T));

    [Fact]
    public void AChatMessageKeepsEveryFieldAndItsRole()
    {
        var record = Assert.IsType<ChatMessageRecord>(Classify(
            """{"senderAppType":"Customer iOS","courierId":-5,"fromId":9007199254740993,"toId":2,"chatStartedByMessage":false,"orderId":42,"orderStage":"IN_PROGRESS","customerId":7,"messageSentTime":"2024-02-01T10:01:07+01:00","extra":[1,{"a":null}]}"""));

        Assert.Equal((42L, SenderRole.Customer, "Customer iOS", "IN_PROGRESS", false), (record.OrderId, record.Role, record.SenderAppType, record.OrderStage, record.ChatStartedByMessage));
        Assert.Equal((9007199254740993L, 2L, -5L, 7L), (record.FromId, record.ToId, record.CourierId, record.CustomerId));
        Assert.Equal(new DateTime(2024, 2, 1, 9, 1, 7, DateTimeKind.Utc), record.MessageSentTime);
    }

    [Fact]
    public void AnOrderEventHasNoSenderAndACity()
    {
        var record = Assert.IsType<OrderEventRecord>(Classify("""{"orderId": 82414506, "cityCode": "IST"}"""));
        Assert.Equal((82414506L, "IST"), (record.OrderId, record.CityCode));
    }

    [Theory]
    [InlineData("""{"orderId":1,"cityCode":"IST"}""", """ { "cityCode" : "IST" ,"orderId":1 } """)]
    [InlineData("""{"orderId":1,"cityCode":"Z\u00fcrich"}""", """{"cityCode":"Zürich","orderId":1}""")]
    [InlineData("""{"orderId":1,"cityCode":"IST","x":{"b":1,"a":[2,3]}}""", """{"x":{"a":[2,3],"b":1},"cityCode":"IST","orderId":1}""")]
    public void EqualJsonObjectsShareAContentKey(string a, string b) =>
        Assert.Equal(Classify(a).ContentKey, Classify(b).ContentKey);

    [Theory]
    [InlineData("""{"orderId":1,"cityCode":"IST"}""", """{"orderId":2,"cityCode":"IST"}""")]
    [InlineData("""{"orderId":1,"cityCode":"IST"}""", """{"orderId":1,"cityCode":"IST","v":1}""")]
    [InlineData("""{"orderId":1,"cityCode":"IST","x":[1,2]}""", """{"orderId":1,"cityCode":"IST","x":[2,1]}""")]
    [InlineData("""{"orderId":1,"cityCode":"IST","x":"1"}""", """{"orderId":1,"cityCode":"IST","x":1}""")]
    public void DifferentJsonObjectsHaveDifferentContentKeys(string a, string b) =>
        Assert.NotEqual(Classify(a).ContentKey, Classify(b).ContentKey);

    private static readonly byte[] ByteOrderMark = [0xEF, 0xBB, 0xBF];

    private IngestRecord Classify(byte[] data) => classifier.Classify(data, new Delivery("1", T, T));

    [Fact]
    public void AByteOrderMarkBeforeTheObjectIsIgnoredAndTheMessageIsTheSame()
    {
        const string json = """{"orderId": 82414506, "cityCode": "IST"}""";

        var marked = Assert.IsType<OrderEventRecord>(Classify([.. ByteOrderMark, .. Encoding.UTF8.GetBytes(json)]));

        Assert.Equal((82414506L, "IST"), (marked.OrderId, marked.CityCode));
        Assert.Equal(Classify(json).ContentKey, marked.ContentKey);
    }

    [Theory]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF })]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}' })]
    [InlineData(new byte[] { (byte)' ', 0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}' })]
    public void OnlyOneMarkAtTheVeryStartIsIgnoredAndTheDeadLetterKeepsIt(byte[] data)
    {
        var parked = Assert.IsType<DeadLetterRecord>(Classify(data));

        Assert.Equal(InvalidReason.NotJson, parked.Reason);
        Assert.Equal(data, parked.Data);
    }

    [Fact]
    public void TheFirstFailingRuleNamesTheField()
    {
        var record = Assert.IsType<DeadLetterRecord>(Classify("""{"senderAppType":"Courier","orderId":1}"""));
        Assert.Equal(InvalidReason.MissingField, record.Reason);
        Assert.Contains("messageSentTime", record.Detail, StringComparison.Ordinal);
    }

    private const string ValidChat =
        """{"senderAppType":"Courier Android","orderId":7,"messageSentTime":"2024-02-01T10:00:00Z","fromId":1,"toId":2,"courierId":1,"customerId":2,"chatStartedByMessage":true,"orderStage":"PICKED_UP"}""";

    [Theory]
    [InlineData("senderAppType", "null", InvalidReason.WrongType)]
    [InlineData("senderAppType", "\"Restaurant\"", InvalidReason.UnknownSender)]
    [InlineData("orderId", "0", InvalidReason.InvalidValue)]
    [InlineData("orderId", "\"7\"", InvalidReason.WrongType)]
    [InlineData("messageSentTime", "\"2024-02-01 10:00:00\"", InvalidReason.BadTimestamp)]
    [InlineData("messageSentTime", "1706781600", InvalidReason.WrongType)]
    [InlineData("fromId", "1.5", InvalidReason.WrongType)]
    [InlineData("toId", "18446744073709551616", InvalidReason.WrongType)]
    [InlineData("courierId", null, InvalidReason.MissingField)]
    [InlineData("customerId", "[]", InvalidReason.WrongType)]
    [InlineData("chatStartedByMessage", "\"true\"", InvalidReason.WrongType)]
    [InlineData("orderStage", "\"\"", InvalidReason.InvalidValue)]
    [InlineData("orderStage", null, InvalidReason.MissingField)]
    public void EachChatFieldRuleGivesItsReasonAndNamesTheField(string field, string? value, string reason)
    {
        var fields = System.Text.Json.Nodes.JsonNode.Parse(ValidChat)!.AsObject();
        fields.Remove(field);
        if (value is not null)
        {
            fields[field] = System.Text.Json.Nodes.JsonNode.Parse(value);
        }

        Assert.IsType<ChatMessageRecord>(Classify(ValidChat)); // the base message is valid: only `field` breaks it
        var record = Assert.IsType<DeadLetterRecord>(Classify(fields.ToJsonString()));
        Assert.Equal((reason, true), (record.Reason, record.Detail.StartsWith(field, StringComparison.Ordinal)));
    }

    [Fact]
    public void AnIntegerFieldTakesAWholeNumberInAnyFormAndRefusesFractionsAndValuesPast64Bits()
    {
        // VIEW.md's "integer" is a JSON number, and JSON has one number type: 7.0 and 7e0 are 7.
        var random = new Random(20261125);
        var (whole, refused) = (0, 0);
        for (var i = 0; i < 3_000; i++)
        {
            var digits = JsonNumberForms.RandomDigits(random, random.Next(1, 21)).TrimEnd('0');
            var written = JsonNumberForms.Write(random, random.Next(2) == 0, digits, random.Next(-4, 20));
            var value = JsonNumberValue.Parse(written).WholeValue;

            var record = Classify(ValidChat.Replace("\"fromId\":1,", $"\"fromId\":{written},", StringComparison.Ordinal));
            if (value is { } v && v >= long.MinValue && v <= long.MaxValue)
            {
                Assert.True(record is ChatMessageRecord { FromId: var fromId } && fromId == (long)v, $"{written} is {v}");
                whole++;
            }
            else
            {
                Assert.True(record is DeadLetterRecord { Reason: InvalidReason.WrongType } parked && parked.Detail.StartsWith("fromId", StringComparison.Ordinal), $"{written} is not a 64-bit integer");
                refused++;
            }
        }

        Assert.True(whole > 500 && refused > 500, $"{whole} whole, {refused} refused");
    }

    [Theory]
    [InlineData("7.0", 7L)]
    [InlineData("7e0", 7L)]
    [InlineData("700E-2", 7L)]
    [InlineData("0.07e+2", 7L)]
    [InlineData("9223372036854775807.000", long.MaxValue)]
    [InlineData("9.223372036854775807e18", long.MaxValue)]
    [InlineData("-9223372036854775808e0", long.MinValue)]
    [InlineData("9223372036854775808.0", null)]
    [InlineData("1e19", null)]
    [InlineData("7.5", null)]
    [InlineData("7.0000000000000000000001", null)]
    [InlineData("1e400", null)]
    [InlineData("1e-400", null)]
    public void AnOrderIdWrittenAsAWholeNumberIsThatOrder(string written, long? orderId)
    {
        var record = Classify($$"""{"orderId":{{written}},"cityCode":"IST"}""");
        if (orderId is { } id)
        {
            Assert.Equal(id <= 0 ? InvalidReason.InvalidValue : null, (record as DeadLetterRecord)?.Reason);
            Assert.Equal(id > 0 ? id : null, (record as OrderEventRecord)?.OrderId);
        }
        else
        {
            Assert.Equal(InvalidReason.WrongType, Assert.IsType<DeadLetterRecord>(record).Reason);
        }
    }

    [Theory]
    [InlineData("""{"orderId":-1,"cityCode":"IST"}""", InvalidReason.InvalidValue, "orderId")]
    [InlineData("""{"orderId":1,"cityCode":""}""", InvalidReason.InvalidValue, "cityCode")]
    [InlineData("""{"orderId":1,"cityCode":7}""", InvalidReason.WrongType, "cityCode")]
    [InlineData("""{"cityCode":"IST"}""", InvalidReason.MissingField, "orderId")]
    public void EachOrderFieldRuleGivesItsReasonAndNamesTheField(string json, string reason, string field)
    {
        var record = Assert.IsType<DeadLetterRecord>(Classify(json));
        Assert.Equal((reason, true), (record.Reason, record.Detail.StartsWith(field, StringComparison.Ordinal)));
    }

    public static TheoryData<string, string> StringLimits() => new()
    {
        { Payloads.Order(1, ""), "cityCode must not be empty" },
        { Payloads.Order(1, "ISTANBUL-ISTANBUL-ISTANBUL-ISTANBUL-ISTANBUL-ISTANBUL-ISTANBUL-ANKARA"), "cityCode must be at most 64 characters; it has 69" },
        { Payloads.Order(1, string.Concat(Enumerable.Repeat("\ud83d\ude9a", 65))), "cityCode must be at most 64 characters; it has 65" }, // 🚚, two UTF-16 units each
        { Payloads.CourierStart(1, stage: ""), "orderStage must not be empty" },
    };

    [Theory]
    [MemberData(nameof(StringLimits))]
    public void AStringRuleSaysWhichOfItsLimitsFailed(string json, string detail) =>
        Assert.Equal(detail, Assert.IsType<DeadLetterRecord>(Classify(json)).Detail);

    public static TheoryData<string, string> NonEmptyStrings() => new()
    {
        { "white space is not empty", " " },
        { "a tab and a no-break space, escaped", @"\t\u00a0" },
        { "64 characters of two UTF-16 units each", string.Concat(Enumerable.Repeat("\ud83d\ude9a", 64)) },
    };

    [Theory]
    [MemberData(nameof(NonEmptyStrings))]
    public void ACityCodeIsValidWhenNonEmptyAndAtMost64Characters(string why, string json)
    {
        var record = Classify(Payloads.Order(1, json));

        var expected = System.Text.Json.JsonDocument.Parse($"\"{json}\"").RootElement.GetString();
        Assert.True(record is OrderEventRecord { CityCode: var city } && city == expected, $"{why}: {record}");
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("\t")]
    [InlineData(null)]
    public void AnOrderStageIsValidWhenNonEmptyWhateverItsLength(string? stage)
    {
        var text = stage ?? new string('S', 100_000); // VIEW.md sets no upper limit

        var record = Classify(Payloads.CourierStart(1, stage: text.Replace("\t", "\\t", StringComparison.Ordinal)));

        Assert.Equal(text, Assert.IsType<ChatMessageRecord>(record).OrderStage);
    }

    public static TheoryData<string, string> LargeInvalidPayloads()
    {
        var pad = new string(' ', 5 << 20); // past the 4 MB above which the payload is read through first
        return new()
        {
            { "not JSON at all", new string('x', 5 << 20) },
            { "only white space", pad },
            { "cut off", "{\"orderId\":" + pad },
            { "a second value after the first", Payloads.Order(1, "IST") + pad + Payloads.Order(2, "IST") },
            { "a comment", pad + "/* no */" + Payloads.Order(1, "IST") },
            { "too deep", pad + new string('[', 40) + new string(']', 40) },
            { "a trailing comma", Payloads.Order(1, "IST")[..^1] + ",}" + pad },
        };
    }

    [Theory]
    [MemberData(nameof(LargeInvalidPayloads))]
    public void ALargePayloadThatIsNotOneJsonValueIsParkedAsTheParserWouldHaveParkedIt(string what, string payload)
    {
        // The oracle: what JsonDocument.Parse, which smaller payloads go straight to, says of the same bytes.
        var bytes = Encoding.UTF8.GetBytes(payload);
        var parser = Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = PayloadClassifier.DefaultMaxDepth }));

        var parked = Assert.IsType<DeadLetterRecord>(Classify(bytes));

        Assert.True(parked.Reason == (what == "too deep" ? InvalidReason.TooDeep : InvalidReason.NotJson), $"{what}: {parked.Reason}");
        if (parked.Reason == InvalidReason.NotJson)
        {
            Assert.Equal(parser.Message.Length <= 200 ? parser.Message : parser.Message[..200] + "…", parked.Detail);
        }
    }

    [Fact]
    public void ALargeValidPayloadIsStillClassifiedByItsContent()
    {
        var payload = Payloads.Chat(7, "Courier Android", "2024-02-01T10:00:56Z", extra: $",\"text\":\"{new string('a', 5 << 20)}\"");

        var chat = Assert.IsType<ChatMessageRecord>(Classify(payload));

        Assert.Equal(7, chat.OrderId);
    }
}
