using ChatIngest.Cli.Common;

namespace ChatIngest.Cli.Replay;

/// <summary>What <c>replay</c> was asked for.</summary>
internal sealed record ReplaySettings
{
    public required Uri To { get; init; }
    public double? Rate { get; init; }
    public int Concurrency { get; init; } = 8;
    public required Backoff Backoff { get; init; }
    public int MaxAttempts { get; init; } = 5;
    public string? Token { get; init; }
    public string Subscription { get; init; } = "projects/local/subscriptions/chatingest-replay";

    /// <summary>Send the line itself with its metadata in headers, as an unwrapped push subscription does.</summary>
    public bool Unwrapped { get; init; }

    /// <summary>Like a push subscription's ack deadline: an answer later than this is a nack.</summary>
    public TimeSpan AckDeadline { get; init; } = TimeSpan.FromSeconds(10);
}
