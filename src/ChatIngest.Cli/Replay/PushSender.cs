using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatIngest.Cli.Progress;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Cli.Replay;

/// <summary>
/// Delivers one line the way Pub/Sub push does (GCP.md §1): a wrapped envelope with the id and publish time in both
/// spellings, base64 data and the subscription, or (unwrapped) the line itself with them in headers;
/// 102/200/201/202/204 acknowledge, anything else (or no answer within the ack deadline) is a nack and the same
/// delivery comes again after the backoff.
/// </summary>
internal sealed class PushSender(HttpClient http, ReplaySettings settings, TimeProvider time, RunCounters counters)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        TypeInfoResolver = PushEnvelopeJsonContext.Default,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task DeliverAsync(byte[] data, long messageId, CancellationToken cancellationToken)
    {
        var id = messageId.ToString(CultureInfo.InvariantCulture);
        var published = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var body = settings.Unwrapped ? data : Envelope(data, id, published);

        counters.AddSent();
        for (var attempt = 1; ; attempt++)
        {
            var problem = await TrySendAsync(body, id, published, cancellationToken);
            if (problem is null)
            {
                counters.AddAcknowledged();
                return;
            }

            if (attempt >= settings.MaxAttempts)
            {
                counters.AddFailed(1, $"message {id}: {problem} after {attempt} attempts");
                return;
            }

            counters.AddRetry();
            await settings.Backoff.WaitAsync(attempt, time, cancellationToken);
        }
    }

    private byte[] Envelope(byte[] data, string id, string published) => JsonSerializer.SerializeToUtf8Bytes(
        new PushEnvelope
        {
            Message = new PushMessage
            {
                Data = Convert.ToBase64String(data),
                MessageId = id,
                MessageIdSnake = id,
                PublishTime = published,
                PublishTimeSnake = published,
            },
            Subscription = settings.Subscription,
        },
        Json);

    /// <summary>Null when acknowledged, else why not.</summary>
    private async Task<string?> TrySendAsync(byte[] body, string id, string published, CancellationToken cancellationToken)
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
            var status = (int)response.StatusCode;
            return status is 102 or 200 or 201 or 202 or 204 ? null : $"HTTP {status} {response.ReasonPhrase}";
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within the ack deadline ({settings.AckDeadline.TotalSeconds:0.#} s)";
        }
    }
}
