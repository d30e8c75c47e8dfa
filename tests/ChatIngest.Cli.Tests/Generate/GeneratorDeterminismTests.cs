using System.Text.Json;
using ChatIngest.Cli.Generate;
using ChatIngest.Cli.Tests.Support;
using ChatIngest.Tests.Support;

namespace ChatIngest.Cli.Tests.Generate;

public sealed class GeneratorDeterminismTests
{
    [Fact]
    public async Task SameSeedGivesTheSameBytes()
    {
        var first = await CliRun.GenerateAsync("-n", "300", "--seed", "99", "--duplicates", "0.05", "--invalid", "0.05", "--late-orders", "0.2", "--shuffle", "7");
        var second = await CliRun.GenerateAsync("-n", "300", "--seed", "99", "--duplicates", "0.05", "--invalid", "0.05", "--late-orders", "0.2", "--shuffle", "7");

        Assert.NotEmpty(first.Stdout);
        Assert.Equal(first.Stdout, second.Stdout);
    }

    [Fact]
    public async Task DifferentSeedsGiveDifferentBytes()
    {
        var first = await CliRun.GenerateAsync("-n", "300", "--seed", "1");
        var second = await CliRun.GenerateAsync("-n", "300", "--seed", "2");

        Assert.NotEqual(first.Stdout, second.Stdout);
    }

    [Fact]
    public async Task OutFileHoldsExactlyWhatStdoutWouldHold()
    {
        var directory = TempPaths.NewDirectory();
        try
        {
            var path = Path.Combine(directory, "nested", "out.ndjson");
            var toFile = await CliRun.GenerateAsync("-n", "50", "--seed", "5", "--out", path);
            var toStdout = await CliRun.GenerateAsync("-n", "50", "--seed", "5");

            Assert.Empty(toFile.Stdout);
            Assert.Equal(toStdout.Stdout, await File.ReadAllBytesAsync(path));
        }
        finally
        {
            TempPaths.TryDelete(directory);
        }
    }

    [Fact]
    public async Task StartOptionMovesTheWholeTimeline()
    {
        var result = await CliRun.GenerateAsync("-n", "3", "--seed", "5", "--start", "2030-06-01T00:00:00Z");

        Assert.All(new GeneratedData(result.StdoutLines).Parsed.Where(GeneratedData.IsMessage),
            line => Assert.Equal(new DateTime(2030, 6, 1), GeneratedData.SentAt(line).Date));
    }

    [Fact]
    public void ActiveConversationsStayBoundedHoweverManyAreGenerated()
    {
        // Constant memory: the heap holds only conversations still talking, so its peak does not grow with the count.
        var small = new ConversationGenerator(new GenerateSettings { Conversations = 1_000, Seed = 3 });
        var large = new ConversationGenerator(new GenerateSettings { Conversations = 200_000, Seed = 3 });

        Assert.Equal(small.Lines().Count(), small.Messages + small.OrderEvents);
        Assert.Equal(large.Lines().Count(), large.Messages + large.OrderEvents);
        Assert.Equal(200_000, large.Started);
        Assert.InRange(large.PeakActive, 1, 40);
        Assert.InRange(large.PeakActive, small.PeakActive, small.PeakActive * 2);
    }

    [Fact]
    public void OrderIdsAreDistinctEightDigitNumbers()
    {
        var permutation = new OrderIdPermutation(12345);
        var ids = Enumerable.Range(0, 300_000).Select(i => permutation.At(i)).ToArray();

        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.All(ids, id => Assert.InRange(id, 10_000_000, 99_999_999));
    }

    [Fact]
    public void FilesFromDifferentSeedsShareNoOrderId()
    {
        // Two files loaded together must not merge conversations. Drawn at random, 50,000 ids from 90 million would
        // meet about 28 times.
        static long[] OrderIds(ulong seed) => new ConversationGenerator(new GenerateSettings { Conversations = 50_000, Seed = seed }).Lines()
            .Where(l => l.Kind == LineKind.OrderEvent)
            .Select(l => JsonDocument.Parse(l.Text).RootElement.GetProperty("orderId").GetInt64())
            .ToArray();

        var first = OrderIds(1);
        var second = OrderIds(2);

        Assert.Equal(50_000, first.Distinct().Count());
        Assert.Empty(first.Intersect(second));
    }

    [Theory]
    [InlineData(100, 450_000)]
    [InlineData(10, 5_000_000)]
    public void SeedsFromZeroUpToSomeStartTheirRunsOfIdsFarEnoughApartForTheConversationsTheReadmePromises(int lastSeed, long conversations)
    {
        // A seed's ids are one run of a single order, so two runs of N share no id when each starts at least N from
        // the next one round the circle of 90,000,000.
        var starts = Enumerable.Range(0, lastSeed + 1).Select(seed => new OrderIdPermutation((ulong)seed).Start).Order().ToArray();
        var gaps = starts.Zip(starts.Skip(1), (a, b) => b - a).Append(OrderIdPermutation.Capacity - starts[^1] + starts[0]);

        Assert.All(gaps, gap => Assert.True(gap >= conversations, $"two seeds start {gap:N0} apart"));
    }
}
