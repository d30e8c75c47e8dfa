using System.Net;
using ChatIngest.Tests.Support;
using static ChatIngest.Tests.Support.Payloads;
using ChatIngest.Core.Warehouse;

namespace ChatIngest.Tests.View;

/// <summary>Each rule of VIEW.md, pushed through the real service into a real DuckDB file.</summary>
public sealed class ViewRuleTests : IDisposable
{
    private static readonly DateTime T0 = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);
    private readonly ChatIngestApp app = new();
    private readonly HttpClient client;
    private readonly List<PublishedMessage> published = [];

    public ViewRuleTests() => client = app.CreateClient();

    public void Dispose() => app.Dispose();

    private async Task PushAsync(string json, string messageId, DateTime publishTime)
    {
        using var response = await client.PushAsync(json, messageId, publishTime);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        published.Add(new PublishedMessage(json, messageId, publishTime));
    }

    /// <summary>The service's row, after checking it against the independent model of VIEW.md.</summary>
    private async Task<ConversationRow> RowAsync(long orderId)
    {
        var row = await ViewReader.ReadOneAsync(client, orderId);
        Assert.Equal(ViewModel.Compute(published)[orderId], row);
        return row;
    }

    [Fact]
    public async Task CityIsNullUntilTheOrderEventArrives()
    {
        await PushAsync(Chat(1, "Courier Android", "2024-02-01T10:00:00Z", true), "1", T0);
        Assert.Null((await RowAsync(1)).CityCode);

        await PushAsync(Order(1, "IST"), "2", T0.AddSeconds(1));
        Assert.Equal("IST", (await RowAsync(1)).CityCode);
    }

    [Fact]
    public async Task FirstPublishedOrderEventWinsAConflictEvenWhenItArrivesLater()
    {
        await PushAsync(Chat(2, "Courier Android", "2024-02-01T10:00:00Z", true), "1", T0);
        await PushAsync(Order(2, "LON"), "20", T0.AddSeconds(5));
        await PushAsync(Order(2, "IST"), "10", T0.AddSeconds(2));
        Assert.Equal("IST", (await RowAsync(2)).CityCode);
    }

    [Fact]
    public async Task OrderEventConflictAtTheSamePublishTimeGoesToTheNumericallySmallerMessageId()
    {
        await PushAsync(Chat(3, "Courier Android", "2024-02-01T10:00:00Z", true), "1", T0);
        await PushAsync(Order(3, "LON"), "10", T0.AddSeconds(2));
        await PushAsync(Order(3, "IST"), "9", T0.AddSeconds(2)); // "9" < "10" as numbers, not as strings
        Assert.Equal("IST", (await RowAsync(3)).CityCode);
    }

    [Fact]
    public async Task FirstMessageByFollowsTimestampsNotTheFlag()
    {
        await PushAsync(Chat(4, "Courier Android", "2024-02-01T10:00:30Z", startedByMessage: true), "1", T0);
        await PushAsync(Chat(4, "Customer iOS", "2024-02-01T10:00:10Z"), "2", T0);
        var row = await RowAsync(4);
        Assert.Equal("Customer", row.FirstMessageBy);
        Assert.Equal(20, row.FirstResponsetimeDelaySeconds);
    }

    [Theory]
    [InlineData(false, true, "Customer")]
    [InlineData(true, false, "Courier")]
    [InlineData(false, false, "Courier")]
    [InlineData(true, true, "Courier")]
    public async Task ATieInTimeIsBrokenByTheFlagThenByCourier(bool courierFlag, bool customerFlag, string expected)
    {
        await PushAsync(Chat(5, "Courier Android", "2024-02-01T10:00:00Z", courierFlag), "1", T0);
        await PushAsync(Chat(5, "Customer iOS", "2024-02-01T10:00:00Z", customerFlag), "2", T0);
        var row = await RowAsync(5);
        Assert.Equal(expected, row.FirstMessageBy);
        Assert.Equal(0, row.FirstResponsetimeDelaySeconds);
    }

    [Fact]
    public async Task DelayIsTruncatedToWholeSecondsWithFractionsAndOffsets()
    {
        await PushAsync(Chat(6, "Customer iOS", "2024-02-01T12:00:00.900+02:00", true), "1", T0);
        await PushAsync(Chat(6, "Courier Android", "2024-02-01T05:00:10.899999-05:00"), "2", T0);
        var row = await RowAsync(6);
        Assert.Equal(new DateTime(2024, 2, 1, 10, 0, 0, 900, DateTimeKind.Utc), row.ConversationStartedAt);
        Assert.Equal(new DateTime(2024, 2, 1, 10, 0, 10, DateTimeKind.Utc).AddTicks(8_999_990), row.FirstCourierMessage);
        Assert.Equal(9, row.FirstResponsetimeDelaySeconds); // 9.999999 s, truncated
    }

    [Fact]
    public async Task NanosecondFractionsAreKeptToTheMicrosecond()
    {
        await PushAsync(Chat(7, "Courier Android", "2024-02-01T10:00:00.123456789Z", true), "1", T0);
        var row = await RowAsync(7);
        Assert.Equal(new DateTime(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc).AddTicks(1_234_560), row.ConversationStartedAt);
    }

    [Fact]
    public async Task DelayIsNullUntilTheOtherSideWrites()
    {
        await PushAsync(Chat(8, "Courier Android", "2024-02-01T10:00:00Z", true), "1", T0);
        await PushAsync(Chat(8, "Courier Android", "2024-02-01T10:01:00Z"), "2", T0);
        var row = await RowAsync(8);
        Assert.Null(row.FirstResponsetimeDelaySeconds);
        Assert.Null(row.FirstCustomerMessage);
        Assert.Equal((2, 0), (row.NumMessagesCourier, row.NumMessagesCustomer));
    }

    [Fact]
    public async Task IdsBeyondTwoToThe53AreKeptExact()
    {
        const long orderId = 9_007_199_254_740_993; // 2^53 + 1: a double would round it
        await PushAsync(Chat(orderId, "Courier Android", "2024-02-01T10:00:00Z", true), "1", T0);
        await PushAsync(Order(orderId, "IST"), "2", T0);
        var page = await client.GetStringAsync("/conversations");
        Assert.Contains("\"order_id\":9007199254740993", page, StringComparison.Ordinal);
        Assert.Equal("IST", (await RowAsync(orderId)).CityCode);
    }

    [Fact]
    public async Task DuplicatesUnderNewIdsOrOtherKeyOrderChangeNothing()
    {
        var json = Chat(9, "Courier Android", "2024-02-01T10:00:00Z", true);
        await PushAsync(json, "1", T0);
        await PushAsync(json, "1", T0); // redelivery
        await PushAsync(json, "2", T0.AddMinutes(1)); // replayed under a new id
        var row = await RowAsync(9);
        Assert.Equal((1, 0), (row.NumMessagesCourier, row.NumMessagesCustomer));

        // The same keys in another order with other whitespace are the same message.
        var reordered = """{ "messageSentTime": "2024-02-01T10:00:00Z", "customerId": 22, "orderStage": "ACCEPTED", "orderId": 9, "chatStartedByMessage": true, "toId": 22, "fromId": 11, "courierId": 11, "senderAppType": "Courier Android" }""";
        await PushAsync(reordered, "4", T0.AddMinutes(3));
        Assert.Equal(1, (await RowAsync(9)).NumMessagesCourier);
    }

    [Fact]
    public async Task AnExtraUnknownKeyMakesADifferentMessageAndIsOtherwiseIgnored()
    {
        await PushAsync(Chat(10, "Courier Android", "2024-02-01T10:00:00Z", true), "1", T0);
        await PushAsync(Chat(10, "Courier Android", "2024-02-01T10:00:00Z", true, extra: ",\"appVersion\":\"7.1\""), "2", T0);
        Assert.Equal(2, (await RowAsync(10)).NumMessagesCourier);
    }

    [Fact]
    public async Task NumbersEqualInValueButWrittenOtherwiseAreTheSameMessage()
    {
        // A replay tool that re-serializes JSON may write 1.0 as 1, or 100 as 1e2: equal JSON, one message.
        await PushAsync(Chat(15, "Courier Android", "2024-02-01T10:00:00Z", true, extra: ",\"rating\":1.0,\"tip\":100"), "1", T0);
        await PushAsync(Chat(15, "Courier Android", "2024-02-01T10:00:00Z", true, extra: ",\"rating\":1,\"tip\":1E+2"), "2", T0.AddSeconds(1));
        await PushAsync(Chat(15, "Courier Android", "2024-02-01T10:00:00Z", true, extra: ",\"rating\":10e-1,\"tip\":100.000"), "3", T0.AddSeconds(2));
        Assert.Equal(1, (await RowAsync(15)).NumMessagesCourier);

        // Values that differ past a double's precision stay different messages.
        await PushAsync(Chat(15, "Courier Android", "2024-02-01T10:00:00Z", true, extra: ",\"rating\":1.0000000000000000000001,\"tip\":100"), "4", T0.AddSeconds(3));
        Assert.Equal(2, (await RowAsync(15)).NumMessagesCourier);
    }

    [Fact]
    public async Task AnOrderIdWrittenAsAFloatIsThatOrderAndTheSameMessage()
    {
        // A tool that writes every number as a float (pandas does, in a column with a gap) sends 16.0 for order 16.
        await PushAsync(Chat(16, "Courier Android", "2024-02-01T10:00:00Z", true), "1", T0);
        await PushAsync(Chat(16, "Courier Android", "2024-02-01T10:00:00Z", true).Replace("\"orderId\":16", "\"orderId\":16.0", StringComparison.Ordinal), "2", T0.AddSeconds(1));
        await PushAsync(Chat(16, "Customer iOS", "2024-02-01T10:00:30Z").Replace("\"orderId\":16", "\"orderId\":1.6e1", StringComparison.Ordinal), "3", T0.AddSeconds(2));
        await PushAsync(Order(16, "IST").Replace("\"orderId\":16", "\"orderId\":160E-1", StringComparison.Ordinal), "4", T0.AddSeconds(3));

        var row = await RowAsync(16);
        Assert.Equal((1L, 1L, "IST", 30L), (row.NumMessagesCourier, row.NumMessagesCustomer, row.CityCode, row.FirstResponsetimeDelaySeconds));
    }

    [Fact]
    public async Task LastStageOnATieInTimeIsTheOnePublishedLastThenTheLargestMessageId()
    {
        await PushAsync(Chat(11, "Courier Android", "2024-02-01T10:00:00Z", true, "ACCEPTED"), "1", T0);
        await PushAsync(Chat(11, "Customer iOS", "2024-02-01T10:05:00Z", false, "DELIVERED"), "3", T0.AddSeconds(9));
        await PushAsync(Chat(11, "Courier Android", "2024-02-01T10:05:00Z", false, "IN_TRANSIT"), "2", T0.AddSeconds(5));
        Assert.Equal("DELIVERED", (await RowAsync(11)).LastMessageOrderStage);

        await PushAsync(Chat(12, "Courier Android", "2024-02-01T10:05:00Z", true, "PICKED_UP"), "10", T0);
        await PushAsync(Chat(12, "Customer iOS", "2024-02-01T10:05:00Z", false, "ON_THE_WAY"), "9", T0);
        Assert.Equal("PICKED_UP", (await RowAsync(12)).LastMessageOrderStage); // id 10 > 9 as numbers
    }

    [Fact]
    public async Task IdsLongerThanAnyIntegerTypeStillCompareAsNumbers()
    {
        const string forty = "1000000000000000000000000000000000000000"; // 10^39, past HUGEINT and NUMERIC
        const string thirtyNine = "999999999999999999999999999999999999999";
        await PushAsync(Chat(14, "Courier Android", "2024-02-01T10:05:00Z", true, "FORTY"), forty, T0);
        await PushAsync(Chat(14, "Customer iOS", "2024-02-01T10:05:00Z", false, "THIRTY_NINE"), thirtyNine, T0);
        await PushAsync(Order(14, "LON"), "2" + forty, T0.AddSeconds(1));
        await PushAsync(Order(14, "IST"), "9" + thirtyNine, T0.AddSeconds(1)); // the smaller number, the larger string

        var row = await RowAsync(14);
        Assert.Equal(("FORTY", "IST"), (row.LastMessageOrderStage, row.CityCode));
    }

    [Fact]
    public async Task AnIdThatIsNotAllDigitsComesAfterEveryNumericId()
    {
        await PushAsync(Chat(15, "Courier Android", "2024-02-01T10:05:00Z", true, "NOT_A_NUMBER"), "+x", T0);
        await PushAsync(Chat(15, "Customer iOS", "2024-02-01T10:05:00Z", false, "NUMBER"), "5", T0); // "+x" < "5" as strings
        await PushAsync(Order(15, "EXP"), "1e3", T0.AddSeconds(1)); // 1000 if read as a float, but not all digits
        await PushAsync(Order(15, "IST"), "1001", T0.AddSeconds(1));

        var row = await RowAsync(15);
        Assert.Equal(("NOT_A_NUMBER", "IST"), (row.LastMessageOrderStage, row.CityCode));
    }

    [Fact]
    public async Task ARedeliveryUnderANumericIdAtTheSamePublishTimeReplacesAStoredNonNumericId()
    {
        var first = Chat(17, "Courier Android", "2024-02-01T10:05:00Z", true, "FIRST");
        await PushAsync(first, "+x", T0);
        await PushAsync(Chat(17, "Customer iOS", "2024-02-01T10:05:00Z", false, "SECOND"), "7", T0);
        Assert.Equal("FIRST", (await RowAsync(17)).LastMessageOrderStage); // "+x" comes after every numeric id

        await PushAsync(first, "5", T0); // the same message, published under an id that comes first
        Assert.Equal("SECOND", (await RowAsync(17)).LastMessageOrderStage); // now 5 < 7

        await PushAsync(Chat(17, "Customer iOS", "2024-02-01T10:05:00Z", false, "THIRD"), "40", T0);
        var third = Chat(17, "Courier Android", "2024-02-01T10:05:00Z", false, "FOURTH");
        await PushAsync(third, "100", T0);
        Assert.Equal("FOURTH", (await RowAsync(17)).LastMessageOrderStage); // 100 > 40 as numbers
        await PushAsync(third, "30", T0); // "30" > "100" as strings, but 30 < 100 as numbers: it is the first publication
        Assert.Equal("THIRD", (await RowAsync(17)).LastMessageOrderStage);
    }

    [Fact]
    public async Task MessagesEqualInTimePublicationAndIdGiveTheSameStageOnEveryReadTheLargestContentKeys()
    {
        // Pub/Sub never reuses an id for other data, but a hand-made push can; the content key settles it.
        var chats = new[] { "ZZ", "AA", "MM", "QQ" }.Select(stage => Chat(16, "Courier Android", "2024-02-01T10:05:00Z", true, stage)).ToList();
        foreach (var chat in chats)
        {
            await PushAsync(chat, "same", T0);
        }

        var classifier = new ChatIngest.Core.Ingest.PayloadClassifier();
        var delivery = new ChatIngest.Core.Messages.Delivery("same", T0, T0);
        var expected = chats
            .Select(c => (ChatIngest.Core.Messages.ChatMessageRecord)classifier.Classify(System.Text.Encoding.UTF8.GetBytes(c), delivery))
            .MaxBy(r => r.ContentKey, StringComparer.Ordinal)!.OrderStage;
        for (var read = 0; read < 10; read++)
        {
            Assert.Equal(expected, (await ViewReader.ReadOneAsync(client, 16)).LastMessageOrderStage);
        }
    }

    [Fact]
    public async Task ADuplicatePublishedBeforeTheStoredCopyCountsWithItsFirstPublication()
    {
        var early = Chat(13, "Courier Android", "2024-02-01T10:05:00Z", true, "EARLY");
        var late = Chat(13, "Customer iOS", "2024-02-01T10:05:00Z", false, "LATE");
        await PushAsync(early, "5", T0.AddSeconds(30)); // arrives first, but as a later republication…
        await PushAsync(late, "6", T0.AddSeconds(20));
        Assert.Equal("EARLY", (await RowAsync(13)).LastMessageOrderStage);

        await PushAsync(early, "4", T0.AddSeconds(10)); // …its first publication shows up: now LATE was published last
        var row = await RowAsync(13);
        Assert.Equal("LATE", row.LastMessageOrderStage);
        Assert.Equal((1, 1), (row.NumMessagesCourier, row.NumMessagesCustomer));
    }

    [Fact]
    public async Task SenderRoleIsThePrefixInAnyCase()
    {
        await PushAsync(Chat(14, "COURIER web", "2024-02-01T10:00:00Z", true), "1", T0);
        await PushAsync(Chat(14, "customerAndroid", "2024-02-01T10:00:07.5Z"), "2", T0);
        var row = await RowAsync(14);
        Assert.Equal(("Courier", 1L, 1L, 7L), (row.FirstMessageBy, row.NumMessagesCourier, row.NumMessagesCustomer, row.FirstResponsetimeDelaySeconds!.Value));
    }

    [Fact]
    public async Task OrdersWithoutChatMessagesHaveNoRow()
    {
        await PushAsync(Order(15, "IST"), "1", T0);
        using var response = await client.GetAsync("/conversations/15");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
