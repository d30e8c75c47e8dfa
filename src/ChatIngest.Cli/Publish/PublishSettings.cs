using ChatIngest.Cli.Common;

namespace ChatIngest.Cli.Publish;

/// <summary>What <c>publish</c> was asked for.</summary>
internal sealed record PublishSettings
{
    public required string Topic { get; init; }
    public required Backoff Backoff { get; init; }
    public int MaxAttempts { get; init; } = 8;
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a batch that is not full waits for more lines, from its first line, before it is published.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Each line is a message's data in base64, published as the bytes it stands for.</summary>
    public bool Base64 { get; init; }
}
