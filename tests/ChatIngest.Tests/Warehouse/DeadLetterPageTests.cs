using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;
using ChatIngest.Tests.BigQuery;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Warehouse;

/// <summary>
/// A page of dead letters holds no more data than its budget (<see cref="DeadLetterQuery.DataBudgetBytes"/>), on both
/// warehouses: a dead letter keeps up to 10 MB, and a page of 100 such was once read whole into memory.
/// </summary>
public sealed class DeadLetterPageTests
{
    /// <summary>Nine letters' data sizes, in page order (message ids m1…m9, one receipt time).</summary>
    private static readonly int[] Sizes = [3000, 500, 600, 5000, 100, 100, 100, 3900, 200];

    [Theory]
    [InlineData("duckdb")]
    [InlineData("bigquery")]
    public async Task PagesEndBeforeTheirDataWouldPassTheBudgetShowABiggerLetterAloneAndListEveryLetterOnce(string kind)
    {
        await using var warehouse = await Warehouses.StartAsync(kind);
        var letters = Sizes.Select((size, i) => Letter($"m{i + 1}", size)).ToList();
        await warehouse.Instance.WriteAsync(letters, CancellationToken.None);

        var pages = new List<IReadOnlyList<DeadLetterRow>>();
        DeadLetterPosition? after = null;
        do
        {
            var page = await warehouse.Instance.ListDeadLettersAsync(new DeadLetterQuery(after, Limit: 3) { DataBudgetBytes = 4000 }, CancellationToken.None);
            pages.Add(page.Items);
            after = page.NextPageToken is { } token && PageToken.TryReadDeadLetter(token, out var last) ? last : null;
            Assert.True(pages.Count < 20, "paging did not end");
        }
        while (after is not null);

        // 3000+500 fit 4000 and 600 more would not; 600 then 5000 would not; 5000 is over on its own but a page shows
        // its first letter; three of 100 reach the limit; 3900, then 200 would pass; 200 is the last.
        string[][] expected = [["m1", "m2"], ["m3"], ["m4"], ["m5", "m6", "m7"], ["m8"], ["m9"]];
        Assert.Equal(expected, pages.Select(p => p.Select(l => l.MessageId).ToArray()));
        var listed = pages.SelectMany(p => p).ToDictionary(l => l.MessageId);
        Assert.All(letters, l => Assert.Equal(l.Data, listed[l.Delivery.MessageId].Data));
    }

    [Theory]
    [InlineData("duckdb")]
    [InlineData("bigquery")]
    public async Task APageWhoseLettersAllFitEndsWithoutATokenAndOneCutByTheBudgetGivesOne(string kind)
    {
        await using var warehouse = await Warehouses.StartAsync(kind);
        await warehouse.Instance.WriteAsync([Letter("m1", 1000), Letter("m2", 1000)], CancellationToken.None);

        var whole = await warehouse.Instance.ListDeadLettersAsync(new DeadLetterQuery(Limit: 5) { DataBudgetBytes = 2000 }, CancellationToken.None);
        var cut = await warehouse.Instance.ListDeadLettersAsync(new DeadLetterQuery(Limit: 5) { DataBudgetBytes = 1999 }, CancellationToken.None);

        Assert.Equal(["m1", "m2"], whole.Items.Select(l => l.MessageId));
        Assert.Null(whole.NextPageToken);
        Assert.Equal(["m1"], cut.Items.Select(l => l.MessageId));
        Assert.NotNull(cut.NextPageToken);
    }

    private static DeadLetterRecord Letter(string messageId, int size)
    {
        var data = new byte[size];
        new Random(size).NextBytes(data);
        return IngestRecords.DeadLetter(messageId, data);
    }

    /// <summary>A warehouse of either kind, and what it needs: a DuckDB file, or a fake BigQuery that runs its SQL.</summary>
    private sealed class Warehouses(IWarehouse instance, Func<ValueTask> dispose) : IAsyncDisposable
    {
        public IWarehouse Instance => instance;

        public static async Task<Warehouses> StartAsync(string kind)
        {
            if (kind == "duckdb")
            {
                var directory = TempPaths.NewDirectory();
                var duckDb = await JournaledWarehouse.OpenAsync(Path.Combine(directory, "w.duckdb"));
                return new Warehouses(duckDb, () =>
                {
                    duckDb.Dispose();
                    TempPaths.TryDelete(directory);
                    return ValueTask.CompletedTask;
                });
            }

            var fake = await FakeBigQuery.StartAsync();
            fake.Answer = BigQueryInDuckDb.Answer(fake);
            var services = BigQueryServices.Create(fake);
            return new Warehouses(services.Warehouse(), async () =>
            {
                await services.DisposeAsync();
                await fake.DisposeAsync();
            });
        }

        public ValueTask DisposeAsync() => dispose();
    }
}
