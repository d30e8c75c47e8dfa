using System.CommandLine;
using System.CommandLine.Parsing;
using ChatIngest.Cli.Sources;

namespace ChatIngest.Cli.Common;

/// <summary>Options <c>replay</c> and <c>publish</c> share: the source, where in it to start, and how failed sends are retried.</summary>
internal sealed class DeliveryOptions(TimeSpan minBackoff, TimeSpan maxBackoff, int maxAttempts)
{
    private static readonly TimeSpan LongestBackoff = TimeSpan.FromHours(1);

    public Argument<string> Source { get; } = new("SOURCE")
    {
        Description = LineSource.Help + " Example: data/generated.ndjson",
    };

    // Durations have no DefaultValueFactory: help would print it as 00:00:01 beside the description's "default 1s".
    public Option<TimeSpan?> MinBackoff { get; } = new("--min-backoff")
    {
        Description = $"First wait before retrying a failed send; doubles per attempt (0 to 1h). Example: --min-backoff 500ms (default {Duration.Format(minBackoff)})",
        CustomParser = r => Duration.Parse(r, "--min-backoff", TimeSpan.Zero, LongestBackoff),
    };

    public Option<TimeSpan?> MaxBackoff { get; } = new("--max-backoff")
    {
        Description = $"Longest wait between retries, also for a 429 or 503 whose Retry-After asks for more (0 to 1h). Example: --max-backoff 30s (default {Duration.Format(maxBackoff)})",
        CustomParser = r => Duration.Parse(r, "--max-backoff", TimeSpan.Zero, LongestBackoff),
    };

    public Option<int> MaxAttempts { get; } = new("--max-attempts")
    {
        Description = $"Attempts per send before it counts as failed. Example: --max-attempts 10",
        DefaultValueFactory = _ => maxAttempts,
        CustomParser = r => Number.Parse(r, "--max-attempts", 1, 1_000),
    };

    public Option<long> FromLine { get; } = new("--from-line")
    {
        Description = "Start at this SOURCE line, numbered as sed -n numbers lines (blank ones counted); the lines before it are read "
            + "past, not sent. A run stopped by Ctrl-C, or early by an answer no retry fixes, names the line to go on from. Example: --from-line 1201",
        DefaultValueFactory = _ => 1,
        CustomParser = r => Number.Parse(r, "--from-line", 1L, long.MaxValue),
    };

    public void AddTo(Command command)
    {
        command.Arguments.Add(Source);
        command.Options.Add(FromLine);
        command.Options.Add(MinBackoff);
        command.Options.Add(MaxBackoff);
        command.Options.Add(MaxAttempts);
        command.Validators.Add(r =>
        {
            try
            {
                if (Given(r, MinBackoff, minBackoff) > Given(r, MaxBackoff, maxBackoff))
                {
                    r.AddError("--min-backoff must not be longer than --max-backoff.");
                }
            }
            catch (InvalidOperationException)
            {
                // A duration that does not parse has already reported its own error.
            }
        });
    }

    /// <summary>A duration as typed, or <paramref name="otherwise"/> when it was not.</summary>
    private static TimeSpan Given(CommandResult result, Option<TimeSpan?> option, TimeSpan otherwise) => result.GetValue(option) ?? otherwise;

    public Backoff ReadBackoff(ParseResult parse) => new(parse.GetValue(MinBackoff) ?? minBackoff, parse.GetValue(MaxBackoff) ?? maxBackoff);
}
