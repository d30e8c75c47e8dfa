using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ChatIngest.Cli.Progress;

namespace ChatIngest.Cli.Publish;

/// <summary>The outcome of one publish request after its retries.</summary>
internal enum PublishOutcome
{
    Published,
    Failed,

    /// <summary>An answer no retry can change (404 topic not found, 401/403, 400): the run stops.</summary>
    Fatal,
}

/// <summary>
/// Sends one batch to <c>topics.publish</c>; 429, 5xx and network errors are retried with backoff (GCP.md §3).
/// The answer's <c>messageIds</c> (one per message, in order) is what counts as acknowledged.
/// </summary>
internal sealed class PubSubPublisher(HttpClient http, PubSubEndpoint endpoint, PublishSettings settings, TimeProvider time, RunCounters counters)
{
    public async Task<PublishOutcome> PublishAsync(PublishBatch batch, CancellationToken cancellationToken)
    {
        var body = batch.ToJson();
        counters.AddSent(batch.Count);
        for (var attempt = 1; ; attempt++)
        {
            var (outcome, problem) = await TrySendAsync(body, batch.Count, cancellationToken);
            if (outcome is PublishOutcome.Published)
            {
                counters.AddAcknowledged(batch.Count);
                return outcome;
            }

            if (outcome is PublishOutcome.Fatal || attempt >= settings.MaxAttempts)
            {
                counters.AddFailed(batch.Count, attempt > 1 ? $"{problem} after {attempt} attempts" : problem);
                return outcome;
            }

            counters.AddRetry();
            await settings.Backoff.WaitAsync(attempt, time, cancellationToken);
        }
    }

    private async Task<(PublishOutcome, string)> TrySendAsync(byte[] body, int count, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.PublishUri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (await endpoint.AccessTokenAsync(cancellationToken) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var status = (int)response.StatusCode;
            return response.StatusCode switch
            {
                HttpStatusCode.OK => CountIds(text) == count
                    ? (PublishOutcome.Published, "")
                    : (PublishOutcome.Failed, $"the answer holds {CountIds(text)} message ids for {count} messages"),
                HttpStatusCode.NotFound => (PublishOutcome.Fatal, $"topic {settings.Topic} not found (HTTP 404): create it or check the name"),
                HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError => (PublishOutcome.Failed, $"HTTP {status} {response.ReasonPhrase}"),
                _ => (PublishOutcome.Fatal, $"HTTP {status} {response.ReasonPhrase}: {Shorten(text)}"),
            };
        }
        catch (HttpRequestException e)
        {
            return (PublishOutcome.Failed, e.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (PublishOutcome.Failed, $"no answer within {settings.RequestTimeout.TotalSeconds:0} s");
        }
    }

    private static int CountIds(string answer)
    {
        try
        {
            using var json = JsonDocument.Parse(answer);
            return json.RootElement.TryGetProperty("messageIds", out var ids) && ids.ValueKind == JsonValueKind.Array ? ids.GetArrayLength() : -1;
        }
        catch (JsonException)
        {
            return -1;
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
