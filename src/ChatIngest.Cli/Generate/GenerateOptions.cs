using System.CommandLine;
using System.Globalization;
using ChatIngest.Cli.Common;
using ChatIngest.Core.Messages;

namespace ChatIngest.Cli.Generate;

/// <summary>The options of <c>generate</c>, each with its meaning and an example.</summary>
internal sealed class GenerateOptions
{
    public Option<long> Conversations { get; } = new("--conversations", "-n")
    {
        Description = "How many conversations (orders) to write, 1 to 90,000,000. Example: --conversations 400",
        Required = true,
        CustomParser = r => Number.Parse(r, "--conversations", 1, OrderIdPermutation.Capacity),
    };

    public Option<ulong> Seed { get; } = new("--seed")
    {
        Description = "Seed of the generator: the same seed gives the same bytes; seeds 0 to 100 give disjoint order ids for up to 450,000 conversations each. Example: --seed 42",
        DefaultValueFactory = _ => 1,
    };

    public Option<DateTime?> Start { get; } = new("--start")
    {
        Description = $"Time the first conversation starts after (RFC 3339 with a zone, from {Rfc3339Text(GenerateSettings.EarliestStart)} to "
            + $"{Rfc3339Text(GenerateSettings.LatestStart)}; default 2024-02-01T10:00:00Z, as the seed data). Example: --start 2024-03-01T08:00:00Z",
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value;
            if (!Rfc3339.TryParseUtc(text, out var start))
            {
                result.AddError($"--start '{text}' is not an RFC 3339 time with a zone, e.g. 2024-02-01T10:00:00Z.");
            }
            else if (start < GenerateSettings.EarliestStart || start > GenerateSettings.LatestStart)
            {
                result.AddError($"--start must be from {Rfc3339Text(GenerateSettings.EarliestStart)} to {Rfc3339Text(GenerateSettings.LatestStart)}, not {text}.");
            }

            return start;
        },
    };

    public Option<string?> Out { get; } = new("--out", "-o")
    {
        Description = "File to write (created, or replaced once complete: a run that fails or is stopped leaves it as it was); stdout when left out or -. Example: --out data/generated.ndjson",
    };

    public Option<double> Duplicates { get; } = Probability("--duplicates", "an exact copy of a line follows it", "0.01");

    public Option<double> Invalid { get; } = Probability("--invalid", "an invalid line (bad JSON, unknown sender, zone-less time, …) is added after a line", "0.001");

    public Option<double> LateOrders { get; } = Probability("--late-orders", "a conversation's order event comes after its last message instead of after its first", "0.05");

    public Option<int> Shuffle { get; } = new("--shuffle")
    {
        Description = $"Reorder lines locally: shuffle each block of W consecutive lines (0 or 1 keeps time order; at most {GenerateSettings.MaxShuffle:N0}, as a block is held in memory). Example: --shuffle 20",
        CustomParser = r => Number.Parse(r, "--shuffle", 0, GenerateSettings.MaxShuffle),
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Conversations, Seed, Start, Out, Duplicates, Invalid, LateOrders, Shuffle })
        {
            command.Options.Add(option);
        }
    }

    public GenerateSettings Read(ParseResult parse) => new()
    {
        Conversations = parse.GetValue(Conversations),
        Seed = parse.GetValue(Seed),
        Start = parse.GetValue(Start) ?? GenerateSettings.DefaultStart,
        Duplicates = parse.GetValue(Duplicates),
        Invalid = parse.GetValue(Invalid),
        LateOrders = parse.GetValue(LateOrders),
        Shuffle = parse.GetValue(Shuffle),
    };

    private static string Rfc3339Text(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static Option<double> Probability(string name, string what, string example) => new(name)
    {
        Description = $"Probability (0 to 1) that {what}. Example: {name} {example}",
        CustomParser = r => Number.Parse(r, name, 0.0, 1.0),
    };
}
