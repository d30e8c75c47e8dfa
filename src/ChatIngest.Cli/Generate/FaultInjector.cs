namespace ChatIngest.Cli.Generate;

/// <summary>
/// Adds the faults a downstream must survive, each from its own random stream: exact duplicate lines, extra invalid
/// lines (the valid data stays whole, so the view is unchanged and every invalid line is one dead letter), and local
/// reordering — lines are shuffled within consecutive blocks of the window size, so none moves by a window or more.
/// </summary>
internal sealed class FaultInjector(GenerateSettings settings)
{
    private const ulong DuplicateStream = 0x44555031; // "DUP1"
    private const ulong InvalidStream = 0x494E5631;   // "INV1"
    private const ulong ShuffleStream = 0x53485546;   // "SHUF"

    public long Duplicates { get; private set; }
    public long Invalid { get; private set; }

    public IEnumerable<GeneratedLine> Apply(IEnumerable<GeneratedLine> lines) =>
        settings.Shuffle > 1 ? Shuffle(WithExtras(lines)) : WithExtras(lines);

    private IEnumerable<GeneratedLine> WithExtras(IEnumerable<GeneratedLine> lines)
    {
        var duplicates = SplitMix64.Stream(settings.Seed, DuplicateStream);
        var invalid = SplitMix64.Stream(settings.Seed, InvalidStream);
        foreach (var line in lines)
        {
            yield return line;
            if (duplicates.Chance(settings.Duplicates))
            {
                Duplicates++;
                yield return line with { Kind = LineKind.Duplicate };
            }

            if (invalid.Chance(settings.Invalid))
            {
                Invalid++;
                yield return new GeneratedLine(InvalidLines.From(line, invalid.Between(0, InvalidLines.Kinds - 1)), LineKind.Invalid);
            }
        }
    }

    private IEnumerable<GeneratedLine> Shuffle(IEnumerable<GeneratedLine> lines)
    {
        var random = SplitMix64.Stream(settings.Seed, ShuffleStream);
        var block = new List<GeneratedLine>(settings.Shuffle);
        foreach (var line in lines)
        {
            block.Add(line);
            if (block.Count == settings.Shuffle)
            {
                foreach (var shuffled in Drain(block, random))
                {
                    yield return shuffled;
                }
            }
        }

        foreach (var shuffled in Drain(block, random))
        {
            yield return shuffled;
        }
    }

    private static List<GeneratedLine> Drain(List<GeneratedLine> block, SplitMix64 random)
    {
        for (var i = block.Count - 1; i > 0; i--)
        {
            var j = random.Between(0, i);
            (block[i], block[j]) = (block[j], block[i]);
        }

        var result = new List<GeneratedLine>(block);
        block.Clear();
        return result;
    }
}
