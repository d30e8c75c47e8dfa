using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatIngest.Cli.Common;
using ChatIngest.Cli.Progress;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Cli.Replay;

/// <summary>How the endpoint answered one attempt.</summary>
internal enum PushAnswer
{
    Acknowledged,

    /// <summary>A nack (429, 5xx, another status, no answer in time, a connection error): the delivery comes again.</summary>
    Nack,

    /// <summary>400 or 413: this line can never be taken; it counts as failed and the run goes on.</summary>
    LineRefused,

    /// <summary>401, 403, 404, 405, 415 or a redirect: wrong token, URL or form; every line would get it, so the run stops.</summary>
    Fatal,
}

/// <summary>
/// Delivers one line the way Pub/Sub push does (GCP.md §1): a wrapped envelope with the id and publish time in both
/// spellings, base64 data and the subscription, or (unwrapped) the line itself with them in headers;
/// 102/200/201/202/204 acknowledge, a nack (no answer within the ack deadline too) brings the same delivery again after
/// the backoff. Unlike Pub/Sub, answers no retry can fix are not retried (<see cref="PushAnswer"/>).
/// </summary>
internal sealed class PushSender(HttpClient http, ReplaySettings settings, TimeProvider time, RunCounters counters)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        TypeInfoResolver = PushEnvelopeJsonContext.Default,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private volatile bool answered; // any HTTP answer at all, to any line of the run

    /// <summary>False when the answer means the whole run must stop (the reason is in the counters).</summary>
    public async Task<bool> DeliverAsync(NdjsonLine line, long messageId, CancellationToken cancellationToken)
    {
        var id = messageId.ToString(CultureInfo.InvariantCulture);
        var published = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var body = settings.Unwrapped ? line.Data : Envelope(line.Data, id, published);

        var sent = SentLines.One(line.Number);
        counters.AddSent();
        for (var attempt = 1; ; attempt++)
        {
            var (answer, problem, asked) = await TrySendAsync(body, id, published, cancellationToken);
            switch (answer)
            {
                case PushAnswer.Acknowledged:
                    counters.AddAcknowledged(sent);
                    return true;
                case PushAnswer.Fatal:
                    counters.AddFailed(sent, null);
                    counters.Stop(problem);
                    return false;
                case PushAnswer.LineRefused:
                    counters.AddFailed(sent, $"line {line.Number} (message {id}): {problem}", refused: true);
                    return true;
                case PushAnswer.Nack when attempt >= settings.MaxAttempts && !answered:
                    // Not one answer yet, from any line: a service that is not there (down, or the wrong port) would
                    // take every line of the file through all its attempts, for hours; the first line to give up stops it.
                    counters.AddFailed(sent, null);
                    counters.Stop($"nothing answered at {settings.To}: {AnswerText.AfterAttempts(problem, attempt)}. Is the service running there?");
                    return false;
                case PushAnswer.Nack when attempt >= settings.MaxAttempts:
                    counters.AddFailed(sent, $"line {line.Number} (message {id}): {AnswerText.AfterAttempts(problem, attempt)}");
                    return true;
            }

            counters.AddRetry();
            await settings.Backoff.WaitAsync(attempt, asked, time, cancellationToken);
        }
    }

    private byte[] Envelope(byte[] data, string id, string published) => JsonSerializer.SerializeToUtf8Bytes(
        new PushEnvelope
        {
            Message = new PushMessage
            {
                Data = PushData.FromBytes(data),
                MessageId = id,
                MessageIdSnake = id,
                PublishTime = published,
                PublishTimeSnake = published,
            },
            Subscription = settings.Subscription,
        },
        Json);

    /// <summary>How the endpoint answered and, unless it acknowledged, what it said, and the wait a 429 or 503 asked for (Retry-After).</summary>
    private readonly record struct Attempt(PushAnswer Answer, string Problem, TimeSpan? Asked = null);

    private async Task<Attempt> TrySendAsync(byte[] body, string id, string published, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.To) { Content = new ByteArrayContent(body) };
        if (settings.Unwrapped)
        {
            // The metadata Pub/Sub writes with --push-no-wrapper-write-metadata (GCP.md §1).
            request.Headers.Add(UnwrappedPushHeaders.MessageId, id);
            request.Headers.Add(UnwrappedPushHeaders.PublishTime, published);
            request.Headers.Add(UnwrappedPushHeaders.SubscriptionName, settings.Subscription);
        }
        else
        {
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        if (settings.Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            answered = true;
            var status = (int)response.StatusCode;
            if (status is 102 or 200 or 201 or 202 or 204)
            {
                return new(PushAnswer.Acknowledged, "");
            }

            if (status is >= 300 and < 400)
            {
                var target = response.Headers.Location is { } location ? $"redirect to {new Uri(settings.To, location)}" : "a redirect without a Location";
                return new(PushAnswer.Fatal, $"--to answered {status} ({target}); use that URL.");
            }

            var said = Explain(await response.Content.ReadAsStringAsync(cancellationToken), response.ReasonPhrase);
            var problem = $"HTTP {status} {response.ReasonPhrase}".TrimEnd() + (said.Length > 0 ? $": {said}" : "");
            string StopsTheRun(string hint) => $"{settings.To} answered {problem.TrimEnd('.')}. {hint}";
            return status switch
            {
                401 or 403 => new(PushAnswer.Fatal, StopsTheRun("Check --token.")),
                404 or 405 => new(PushAnswer.Fatal, StopsTheRun("Check the --to URL.")),
                415 => new(PushAnswer.Fatal, StopsTheRun("Check --to and --unwrapped.")),
                400 or 413 => new(PushAnswer.LineRefused, problem),
                _ => new(PushAnswer.Nack, problem, Backoff.Asked(response, time)),
            };
        }
        catch (HttpRequestException e)
        {
            return new(PushAnswer.Nack, e.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(PushAnswer.Nack, $"no answer within the ack deadline ({Duration.Format(settings.AckDeadline)})");
        }
    }

    /// <summary>
    /// A problem-details body's title and detail (a title that only repeats the status left out, so ASP.NET's bare 404
    /// problem adds nothing), else the body's start.
    /// </summary>
    private static string Explain(string body, string? reason)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                var title = AnswerText.Text(json.RootElement, "title");
                var said = $"{(title == reason ? null : title)} {AnswerText.Text(json.RootElement, "detail")}".Trim();
                if (said.Length > 0 || title is not null)
                {
                    return said; // a problem whose title only repeats the status says nothing more
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the text itself says what there is to say.
        }

        return AnswerText.Shorten(body);
    }
}
