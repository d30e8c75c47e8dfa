using System.CommandLine;
using System.CommandLine.Parsing;
using ChatIngest.Cli.Common;

namespace ChatIngest.Cli.Replay;

/// <summary>The options of <c>replay</c> beyond the shared delivery ones, each with its meaning and an example.</summary>
internal sealed class ReplayOptions
{
    public Option<Uri> To { get; } = new("--to")
    {
        Description = "The push endpoint (absolute http/https URL). Example: --to http://localhost:8080/pubsub/push",
        Required = true,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                return uri;
            }

            result.AddError($"--to '{text}' is not an absolute http or https URL.");
            return null;
        },
    };

    public Option<double?> Rate { get; } = new("--rate")
    {
        Description = "Messages per second (the seed publisher's pace was 1); as fast as --concurrency allows when left out. Example: --rate 50",
        CustomParser = r => Number.Parse(r, "--rate", 0.001, 1_000_000),
    };

    public Option<int> Concurrency { get; } = new("--concurrency", "-c")
    {
        Description = "Deliveries in flight at once. Example: --concurrency 32",
        DefaultValueFactory = _ => 8,
        CustomParser = r => Number.Parse(r, "--concurrency", 1, 1024),
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = "Bearer token sent as Authorization on every push; a deployed service takes the push account's OIDC token for its URL. "
            + "Example: --token \"$(gcloud auth print-identity-token --impersonate-service-account=\"$PUSH_SA\" --audiences=\"$URL\" --include-email)\"",
        Validators = { FitsInAHeader },
    };

    public Option<string> Subscription { get; } = new("--subscription")
    {
        Description = "Subscription name put in each envelope. Example: --subscription projects/demo/subscriptions/chat-push",
        DefaultValueFactory = _ => "projects/local/subscriptions/chatingest-replay",
        Validators = { FitsInAHeader },
    };

    public Option<bool> Unwrapped { get; } = new("--unwrapped")
    {
        Description = "Deliver as a subscription created with --push-no-wrapper --push-no-wrapper-write-metadata does: the line "
            + "itself as the body, the id and publish time in x-goog-pubsub-* headers. "
            + "Example: --unwrapped --to http://localhost:8080/pubsub/push/unwrapped",
    };

    private static readonly TimeSpan DefaultAckDeadline = TimeSpan.FromSeconds(10);

    // No DefaultValueFactory: help would print it as 00:00:10 beside the description's "default 10s".
    public Option<TimeSpan?> AckDeadline { get; } = new("--ack-deadline")
    {
        Description = $"How long to wait for an answer before the attempt counts as a nack, like a subscription's ack deadline (1ms to 10m). Example: --ack-deadline 30s (default {Duration.Format(DefaultAckDeadline)})",
        CustomParser = r => Duration.Parse(r, "--ack-deadline", TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10)),
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { To, Rate, Concurrency, Token, Subscription, Unwrapped, AckDeadline })
        {
            command.Options.Add(option);
        }

        command.Validators.Add(r =>
        {
            try
            {
                var unwrapped = r.GetResult(Unwrapped) is not null && r.GetValue(Unwrapped);
                if (r.GetValue(To) is { } to && Mismatch(to, unwrapped) is { } problem)
                {
                    r.AddError(problem);
                }
            }
            catch (InvalidOperationException)
            {
                // A --to that does not parse has already reported its own error.
            }
        });
    }

    /// <summary>
    /// The service's endpoints each take one form; the wrong one is acknowledged and parked as dead letters (or
    /// refused line by line), so a URL that names an endpoint of the other form is a usage error.
    /// </summary>
    private static string? Mismatch(Uri to, bool unwrapped)
    {
        var path = to.AbsolutePath.TrimEnd('/');
        bool EndsWith(string end) => path.EndsWith(end, StringComparison.OrdinalIgnoreCase);
        return EndsWith("/replay")
            ? "--to ends in /replay, which takes the NDJSON file itself, not push deliveries: send the file there with e.g. "
                + $"curl -H 'Content-Type: application/x-ndjson' --data-binary @FILE {to}, or replay to …/pubsub/push."
            : EndsWith("/pubsub/push/unwrapped") && !unwrapped
                ? "--to ends in /pubsub/push/unwrapped, which takes unwrapped deliveries: add --unwrapped, or replay to …/pubsub/push."
            : EndsWith("/pubsub/push") && unwrapped
                ? "--unwrapped sends the line itself, but --to ends in /pubsub/push, which takes wrapped envelopes: replay to …/pubsub/push/unwrapped, or leave out --unwrapped."
            : null;
    }

    /// <summary>Both go into HTTP headers (the subscription when unwrapped), where a control character or one past ASCII cannot be sent.</summary>
    private static void FitsInAHeader(OptionResult result)
    {
        var text = result.GetValueOrDefault<string?>() ?? "";
        var name = result.Option.Name;
        if (text.Contains('\r', StringComparison.Ordinal) || text.Contains('\n', StringComparison.Ordinal))
        {
            result.AddError($"{name} contains a line break; was it read from a file with CRLF?");
        }
        else if (text.Any(char.IsControl))
        {
            result.AddError($"{name} contains a control character.");
        }
        else if (text.Any(c => c > '~'))
        {
            // .NET's HTTP client refuses to send it, which read as a server that does not answer.
            result.AddError($"{name} contains a character that is not ASCII, which an HTTP header cannot carry.");
        }
    }

    public ReplaySettings Read(ParseResult parse, DeliveryOptions delivery) => new()
    {
        To = parse.GetValue(To)!,
        Rate = parse.GetValue(Rate),
        Concurrency = parse.GetValue(Concurrency),
        Backoff = delivery.ReadBackoff(parse),
        MaxAttempts = parse.GetValue(delivery.MaxAttempts),
        Token = parse.GetValue(Token),
        Subscription = parse.GetValue(Subscription)!,
        Unwrapped = parse.GetValue(Unwrapped),
        AckDeadline = parse.GetValue(AckDeadline) ?? DefaultAckDeadline,
    };
}
