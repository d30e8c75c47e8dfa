using System.Text;
using System.Text.RegularExpressions;
using ChatIngest.Cli.Tests.Support;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;

namespace ChatIngest.Cli.Tests.Generate;

public sealed partial class FaultOptionTests
{
    private const string Conversations = "400";
    private const string Seed = "21";

    [GeneratedRegex(@"(\d+) duplicates, (\d+) invalid")]
    private static partial Regex FaultCounts();

    [GeneratedRegex(@"\((\d+) late\)")]
    private static partial Regex LateCount();

    private static Task<CliResult> CleanAsync() => CliRun.GenerateAsync("-n", Conversations, "--seed", Seed);

    private static Task<CliResult> WithAsync(params string[] options) => CliRun.GenerateAsync(["-n", Conversations, "--seed", Seed, .. options]);

    /// <summary>A line as the service's own classifier takes it.</summary>
    private static IngestRecord Classify(string line)
    {
        var at = new DateTime(2024, 2, 1, 0, 0, 0, DateTimeKind.Utc);
        return new PayloadClassifier().Classify(Encoding.UTF8.GetBytes(line), new Delivery("1", at, at));
    }

    /// <summary>The lines the service would park in dead_letters.</summary>
    private static string[] DeadLettered(string[] lines) => [.. lines.Where(l => Classify(l) is DeadLetterRecord)];

    private static int Reported(Regex pattern, string error, int group) => int.Parse(pattern.Match(error).Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task DuplicatesAreExactCopiesFollowingTheirOriginalAndCountedInTheSummary()
    {
        var clean = (await CleanAsync()).StdoutLines;
        var result = await WithAsync("--duplicates", "0.1");
        var lines = result.StdoutLines;

        var copies = lines.Zip(lines.Skip(1)).Count(pair => pair.First == pair.Second);
        Assert.InRange(copies, 1, lines.Length);
        Assert.Equal(lines.Length - clean.Length, copies);
        Assert.Equal(copies, Reported(FaultCounts(), result.Error, 1));
        Assert.Equal(clean, lines.Where((line, i) => i == 0 || line != lines[i - 1]));
    }

    [Fact]
    public async Task InvalidLinesAreDeadLetteredByTheRealClassifierAndTheValidDataIsUntouched()
    {
        var clean = (await CleanAsync()).StdoutLines;
        var result = await WithAsync("--invalid", "0.1");

        var invalid = DeadLettered(result.StdoutLines);

        Assert.InRange(invalid.Length, 1, result.StdoutLines.Length);
        Assert.Equal(invalid.Length, Reported(FaultCounts(), result.Error, 2));
        Assert.Equal(clean, result.StdoutLines.Except(invalid));
        var reasons = invalid.Select(l => ((DeadLetterRecord)Classify(l)).Reason).ToHashSet();
        Assert.True(reasons.Count >= 4, $"only these reasons occurred: {string.Join(", ", reasons)}");
    }

    [Fact]
    public async Task EveryInvalidLineIsDistinctSoEachIsOneDeadLetterEvenWhereTheMessageIdIsTheDatasHash()
    {
        // An unwrapped push without metadata gets its id from its data: two equal invalid lines would be one dead letter.
        var result = await WithAsync("--invalid", "1");

        var invalid = DeadLettered(result.StdoutLines);

        Assert.True(invalid.Length > 1_000, $"only {invalid.Length} invalid lines");
        Assert.Equal(invalid.Length, invalid.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task LateOrderEventsComeAfterTheirConversationsLastMessage()
    {
        var clean = (await CleanAsync()).StdoutLines;
        var result = await WithAsync("--late-orders", "0.3");
        var data = new GeneratedData(result.StdoutLines);

        var late = 0;
        foreach (var orderId in data.Conversations.Keys)
        {
            var (messages, order) = (data.Messages(orderId), Assert.Single(data.OrderEvents(orderId)));
            Assert.True(order == messages[0] + 1 || order > messages[^1], $"order {orderId}: event neither after the first nor after the last message");
            late += order > messages[^1] ? 1 : 0;
        }

        Assert.InRange(late, 1, data.Conversations.Count - 1);
        Assert.Equal(late, Reported(LateCount(), result.Error, 1));
        Assert.Equal(clean.Order(StringComparer.Ordinal), result.StdoutLines.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ShuffleReordersLinesOnlyWithinTheWindow()
    {
        var clean = (await CleanAsync()).StdoutLines;
        var shuffled = (await WithAsync("--shuffle", "8")).StdoutLines;
        var position = shuffled.Select((line, i) => (line, i)).ToDictionary(p => p.line, p => p.i);

        Assert.Equal(clean.Length, position.Count);
        Assert.NotEqual(clean, shuffled);
        Assert.All(clean.Select((line, i) => Math.Abs(position[line] - i)), moved => Assert.InRange(moved, 0, 7));
    }
}
