namespace ChatIngest.Cli.Generate;

/// <summary>What <c>generate</c> was asked for. Probabilities are in [0, 1]; a shuffle window of 0 or 1 keeps order.</summary>
internal sealed record GenerateSettings
{
    public static readonly DateTime DefaultStart = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

    public required long Conversations { get; init; }
    public ulong Seed { get; init; } = 1;
    public DateTime Start { get; init; } = DefaultStart;
    public double Duplicates { get; init; }
    public double Invalid { get; init; }
    public double LateOrders { get; init; }
    public int Shuffle { get; init; }
}

/// <summary>One output line and what it is.</summary>
internal readonly record struct GeneratedLine(string Text, LineKind Kind);

internal enum LineKind
{
    ChatMessage,
    OrderEvent,
    Duplicate,
    Invalid,
}
