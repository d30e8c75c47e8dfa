using System.CommandLine;
using ChatIngest.Cli.Common;

namespace ChatIngest.Cli.Replay;

/// <summary><c>replay</c>: send NDJSON lines to a ChatIngest push endpoint as Pub/Sub push deliveries.</summary>
internal static class ReplayCommand
{
    public static Command Create(CliContext context)
    {
        var delivery = new DeliveryOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), maxAttempts: 5);
        var options = new ReplayOptions();
        var command = new Command("replay", """
            Send each line of SOURCE to a ChatIngest push endpoint as a Pub/Sub push delivery (a wrapped envelope with
            messageId/message_id, publishTime/publish_time, base64 data and the subscription). 102/200/201/202/204
            acknowledge; 429, 5xx, other answers, timeouts and connection errors are retried with exponential backoff, as
            Pub/Sub push does. A 400 or 413 fails that line alone, as does a line over 10 MiB (not sent); 401, 403, 404, 405, 415 and redirects (wrong --token or
            --to) stop the run at once. A --to ending in /pubsub/push/unwrapped needs --unwrapped, one ending in /pubsub/push must not
            have it, and /replay (which takes the file itself) is refused.

            Examples:
              replay ../shared/data/conversations.json --to http://localhost:8080/pubsub/push
              replay data/generated.ndjson --to http://localhost:8080/pubsub/push --rate 1
              generate -n 1000 | replay - --to "$URL/pubsub/push" --token "$(gcloud auth print-identity-token --impersonate-service-account="$PUSH_SA" --audiences="$URL" --include-email)"
              replay gs://my-bucket/conversations.json --to http://localhost:8080/pubsub/push --concurrency 32
            """);
        delivery.AddTo(command);
        options.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            var settings = options.Read(parse, delivery);
            return DeliveryRun.RunAsync(context, "replay", parse.GetValue(delivery.Source)!, parse.GetValue(delivery.FromLine),
                (source, counters) => new ReplayRunner(settings, context, counters).RunAsync(source, cancellationToken),
                cancellationToken);
        });
        return command;
    }
}
