using ChatIngest.Cli.Tests.Support;

namespace ChatIngest.Cli.Tests.Generate;

public sealed class GeneratorShapeTests
{
    private static async Task<GeneratedData> GenerateAsync(int conversations, int seed) =>
        new((await CliRun.GenerateAsync("--conversations", $"{conversations}", "--seed", $"{seed}")).StdoutLines);

    [Fact]
    public async Task EveryConversationHasTwoToFiveAlternatingMessagesAndOneOrderEventRightAfterTheFirst()
    {
        var data = await GenerateAsync(500, 11);

        Assert.Equal(500, data.Conversations.Count);
        foreach (var orderId in data.Conversations.Keys)
        {
            var messages = data.Messages(orderId);
            Assert.InRange(messages.Length, 2, 5);
            var roles = messages.Select(i => GeneratedData.ByCourier(data.Parsed[i])).ToArray();
            Assert.All(roles.Zip(roles.Skip(1)), pair => Assert.NotEqual(pair.First, pair.Second));

            var flagged = messages.Where(i => data.Parsed[i].GetProperty("chatStartedByMessage").GetBoolean()).ToArray();
            Assert.Equal([messages[0]], flagged);

            Assert.Equal([messages[0] + 1], data.OrderEvents(orderId));
        }
    }

    [Fact]
    public async Task EveryMessageCountFromTwoToFiveAndBothStartingRolesOccur()
    {
        var data = await GenerateAsync(500, 12);

        var counts = data.Conversations.Keys.Select(id => data.Messages(id).Length).ToHashSet();
        Assert.Equal([2, 3, 4, 5], counts.Order());
        Assert.Contains(data.Conversations.Keys, id => GeneratedData.ByCourier(data.Parsed[data.Messages(id)[0]]));
        Assert.Contains(data.Conversations.Keys, id => !GeneratedData.ByCourier(data.Parsed[data.Messages(id)[0]]));
    }

    [Fact]
    public async Task MessagesAreInTimeOrderAndConversationsInterleave()
    {
        var data = await GenerateAsync(300, 13);

        var times = data.Parsed.Where(GeneratedData.IsMessage).Select(GeneratedData.SentAt).ToArray();
        Assert.Equal(times.Order(), times);
        var start = new DateTime(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);
        Assert.InRange(times[0], start.AddSeconds(1), start.AddSeconds(60));

        // Interleaved: some conversation has another's line between its first and last line.
        var spans = data.Conversations.Values.Select(ix => (First: ix[0], Last: ix[^1])).OrderBy(s => s.First).ToArray();
        Assert.Contains(spans.Zip(spans.Skip(1)), pair => pair.Second.First < pair.First.Last);
    }

    [Fact]
    public async Task FieldsVocabulariesAndIdsLookLikeTheSeedSample()
    {
        var data = await GenerateAsync(500, 14);

        Assert.Subset(SampleData.KeyOrders(), data.Parsed.Select(SampleData.KeyOrder).ToHashSet());
        Assert.Equal(SampleData.Values("cityCode").Order(), data.Parsed.Where(e => !GeneratedData.IsMessage(e)).Select(e => e.GetProperty("cityCode").GetString()!).ToHashSet().Order());
        Assert.Equal(SampleData.Values("orderStage").Order(), data.Parsed.Where(GeneratedData.IsMessage).Select(e => e.GetProperty("orderStage").GetString()!).ToHashSet().Order());
        Assert.Subset(SampleData.Values("senderAppType"), data.Parsed.Where(GeneratedData.IsMessage).Select(e => e.GetProperty("senderAppType").GetString()!).ToHashSet());
        Assert.Equal(20, SampleData.Values("cityCode").Count);

        foreach (var line in data.Parsed)
        {
            foreach (var field in new[] { "orderId", "courierId", "customerId", "fromId", "toId" }.Where(f => line.TryGetProperty(f, out _)))
            {
                Assert.InRange(line.GetProperty(field).GetInt64(), 10_000_000, 99_999_999);
            }
        }
    }

    [Fact]
    public async Task SenderAndRecipientIdsBelongToTheConversationsCourierAndCustomer()
    {
        var data = await GenerateAsync(200, 15);

        foreach (var line in data.Parsed.Where(GeneratedData.IsMessage))
        {
            var (courier, customer) = (line.GetProperty("courierId").GetInt64(), line.GetProperty("customerId").GetInt64());
            var expected = GeneratedData.ByCourier(line) ? (courier, customer) : (customer, courier);
            Assert.Equal(expected, (line.GetProperty("fromId").GetInt64(), line.GetProperty("toId").GetInt64()));
        }
    }
}
