using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.BigQuery;

/// <summary>
/// The service on BigQuery, end to end against the model of VIEW.md: random conversations built to tie
/// (<see cref="RandomConversations"/>) pushed in every form, streamed to <see cref="FakeBigQuery"/> (answers lost, so
/// rows are sent again, and insertIds that dedupe or do not), then read back through the service's own BigQuery SQL,
/// run by <see cref="BigQueryInDuckDb"/>: <c>/conversations</c> page by page, <c>/dead-letters</c> and <c>/stats</c>.
/// </summary>
public sealed class BigQueryRandomViewTests
{
    [Theory]
    [InlineData(1, true)]
    [InlineData(2, false)] // BigQuery's insertId dedupe is best effort: here it keeps every copy, the SQL must not count them
    public async Task RandomConversationsStreamedToBigQueryAreServedAsTheModelsRows(int seed, bool dedupesInsertIds)
    {
        var random = new Random(seed);
        var (pushes, deadLetters) = RandomConversations.Generate(random, orders: 150);
        await using var fake = await FakeBigQuery.StartAsync();
        fake.DedupesInsertIds = dedupesInsertIds;
        fake.InsertFailure = (_, call) => call % 10 == 0 ? new FakeFailure(500, AfterStoring: true) : null;
        fake.Answer = BigQueryInDuckDb.Answer(fake);
        using var app = new ChatIngestApp(fake.Settings());
        var client = app.CreateClient();

        await RandomConversations.PushAllAsync(client, [.. pushes.OrderBy(_ => random.Next())], random);

        Assert.True(fake.LostAnswers.Values.Sum() > 0, "no insertAll answer was lost: nothing was sent again");
        Assert.Empty(fake.Violations);
        await RandomConversations.AssertServedAsTheModelAsync(client, pushes, deadLetters);
        Assert.Empty(fake.Violations);
    }
}
