using System.CommandLine;
using System.Text.RegularExpressions;
using ChatIngest.Cli.Common;

namespace ChatIngest.Cli.Publish;

/// <summary><c>publish</c>: publish NDJSON lines to a Pub/Sub topic through the REST API.</summary>
internal static partial class PublishCommand
{
    /// <summary>
    /// Any project id (the emulator takes any, and older ones are domain-scoped, "example.com:name"); Pub/Sub judges it.
    /// The topic's own name as Pub/Sub requires it: a letter, then 2–254 of letters, digits and <c>-_.~+%</c>.
    /// </summary>
    [GeneratedRegex("^projects/[^/\\s]+/topics/[A-Za-z][A-Za-z0-9._~+%-]{2,254}$")]
    private static partial Regex TopicName();

    private static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(1);

    public static Command Create(CliContext context)
    {
        var delivery = new DeliveryOptions(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(60), maxAttempts: 8);
        var topic = new Option<string>("--topic", "-t")
        {
            Description = "The topic, in full. Example: --topic projects/my-project/topics/chat-messages",
            Required = true,
            Validators = { r => { if (!TopicName().IsMatch(r.GetValueOrDefault<string>() ?? "")) r.AddError("--topic must look like projects/PROJECT_ID/topics/TOPIC."); } },
        };
        var base64 = new Option<bool>("--base64")
        {
            Description = "Each line is a message's data in base64 (as gcloud pubsub subscriptions pull --format=json gives it), "
                + "published as the bytes it stands for: for data that is not one line of UTF-8 text. A line that is not base64 fails alone. "
                + "Example: --base64 (with jq -r '.[].message.data' held.json > held.b64)",
        };
        var maxDelay = new Option<TimeSpan?>("--max-delay") // no DefaultValueFactory: help would print 00:00:01 beside "default 1s"
        {
            Description = "Longest a line waits, counted from the first line of its batch, for the batch to fill before it is published anyway "
                + $"(0 to 1h): for a SOURCE that trickles, e.g. tail -f app.log | publish -. Example: --max-delay 200ms (default {Duration.Format(DefaultMaxDelay)})",
            CustomParser = r => Duration.Parse(r, "--max-delay", TimeSpan.Zero, TimeSpan.FromHours(1)),
        };
        var command = new Command("publish", """
            Publish each line of SOURCE as one message (the line is the message data) to a Pub/Sub topic through the REST
            API: batches of at most 1,000 messages and under 10 MB (a batch that is not full goes out --max-delay after its
            first line), 408/409/429/499/5xx retried with exponential backoff, a missing topic (404) stops the run. Credentials: Application Default Credentials (gcloud auth application-default
            login, GOOGLE_APPLICATION_CREDENTIALS, or the metadata server); with PUBSUB_EMULATOR_HOST=host:port set, the
            emulator at http://host:port is used without credentials.

            Examples:
              publish ../shared/data/conversations.json --topic projects/my-project/topics/chat-messages
              PUBSUB_EMULATOR_HOST=localhost:8085 publish data/generated.ndjson --topic projects/local/topics/chat
              generate -n 100000 | publish - --topic projects/my-project/topics/chat-messages
              tail -f app.ndjson | publish - --topic projects/my-project/topics/chat-messages --max-delay 200ms
            """);
        delivery.AddTo(command);
        command.Options.Add(topic);
        command.Options.Add(base64);
        command.Options.Add(maxDelay);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (PubSubEndpoint.EmulatorProblem(context) is { } problem)
            {
                await context.Error.WriteLineAsync($"publish: {problem}");
                return ExitCodes.Usage;
            }

            var settings = new PublishSettings
            {
                Topic = parse.GetValue(topic)!,
                Backoff = delivery.ReadBackoff(parse),
                MaxAttempts = parse.GetValue(delivery.MaxAttempts),
                Base64 = parse.GetValue(base64),
                MaxDelay = parse.GetValue(maxDelay) ?? DefaultMaxDelay,
            };
            return await DeliveryRun.RunAsync(context, "publish", parse.GetValue(delivery.Source)!, parse.GetValue(delivery.FromLine),
                (source, counters) => new PublishRunner(settings, context, counters).RunAsync(source, cancellationToken),
                cancellationToken);
        });
        return command;
    }
}
