namespace ChatIngest.Cli.Generate;

/// <summary>What <c>generate</c> was asked for. Probabilities are in [0, 1]; a shuffle window of 0 or 1 keeps order.</summary>
internal sealed record GenerateSettings
{
    public static readonly DateTime DefaultStart = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

    /// <summary>Pub/Sub publish times and Unix timestamps start here.</summary>
    public static readonly DateTime EarliestStart = DateTime.UnixEpoch;

    /// <summary>90,000,000 conversations up to a minute apart span about 171 years, which must stay before year 10,000.</summary>
    public static readonly DateTime LatestStart = new(9000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>A shuffle block is held in memory; this keeps it to some tens of MB.</summary>
    public const int MaxShuffle = 100_000;

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
