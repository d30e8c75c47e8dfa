using System.Net.Http.Headers;
using System.Text.Json;
using ChatIngest.Cli.Common;
using ChatIngest.Cli.Progress;
using Google.Apis.Auth.OAuth2.Responses;

namespace ChatIngest.Cli.Publish;

/// <summary>The outcome of one publish request after its retries.</summary>
internal enum PublishOutcome
{
    Published,
    Failed,

    /// <summary>
    /// A 200 without one message id per message: which were published is unknown, and sending the batch again could
    /// publish duplicates, so it counts as failed without a retry and the run goes on.
    /// </summary>
    Unconfirmed,

    /// <summary>An answer no retry can change (404 topic not found, 401/403, 400, a refused token): the run stops.</summary>
    Fatal,
}

/// <summary>
/// Sends one batch to <c>topics.publish</c>; a transient answer (408, 429, 5xx), Google's other retry codes for publish
/// (409 ABORTED, 499 CANCELLED) and network errors (the token source's too) are retried with backoff (GCP.md §3).
/// The answer's <c>messageIds</c> (one per message, in order) is what counts as acknowledged.
/// </summary>
internal sealed class PubSubPublisher(HttpClient http, PubSubEndpoint endpoint, PublishSettings settings, TimeProvider time, RunCounters counters)
{
    private bool answered; // any HTTP answer at all in this run (batches go one after another)
    private bool failedAtToken; // the last attempt failed before Pub/Sub was asked: fetching its access token
    private bool tokenUnanswered; // ... and nothing answered there (a network error or no answer in time)

    public async Task<PublishOutcome> PublishAsync(PublishBatch batch, CancellationToken cancellationToken)
    {
        var body = batch.ToJson();
        counters.AddSent(batch.Count);
        for (var attempt = 1; ; attempt++)
        {
            var (outcome, problem, asked) = await TrySendAsync(body, batch.Count, cancellationToken);
            if (outcome is PublishOutcome.Published)
            {
                counters.AddAcknowledged(batch.Sent);
                return outcome;
            }

            if (outcome is PublishOutcome.Fatal)
            {
                // Batches go one after another, so this one and all after it are unpublished.
                counters.AddFailed(batch.Sent, null);
                counters.Stop($"nothing from line {batch.FirstLine} on was published: {problem}");
                return outcome;
            }

            if (outcome is PublishOutcome.Failed && attempt >= settings.MaxAttempts && !answered)
            {
                // Not one answer yet: an endpoint (or emulator) that is not there would take every batch through all
                // its attempts; the first batch to give up stops the run.
                counters.AddFailed(batch.Sent, null);
                counters.Stop(failedAtToken
                    ? $"nothing from line {batch.FirstLine} on was published: no access token could be had for Pub/Sub, which was not asked: "
                        + $"{AnswerText.AfterAttempts(problem, attempt)}.{(tokenUnanswered ? " Is the token endpoint reachable from here?" : "")}"
                    : $"nothing from line {batch.FirstLine} on was published: nothing answered at {endpoint.PublishUri.GetLeftPart(UriPartial.Authority)}: "
                        + $"{AnswerText.AfterAttempts(problem, attempt)}. Is it reachable?");
                return PublishOutcome.Fatal;
            }

            if (outcome is PublishOutcome.Unconfirmed || attempt >= settings.MaxAttempts)
            {
                counters.AddFailed(batch.Sent, $"{batch.Lines}: {AnswerText.AfterAttempts(problem, attempt)}");
                return outcome;
            }

            counters.AddRetry();
            await settings.Backoff.WaitAsync(attempt, asked, time, cancellationToken);
        }
    }

    /// <summary>How Pub/Sub (or the token endpoint) answered: the outcome, what went wrong, and the wait a 429 or 503 asked for (Retry-After).</summary>
    private async Task<(PublishOutcome, string, TimeSpan?)> TrySendAsync(byte[] body, int count, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.PublishUri) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

            // Inside the attempt: the token source's own network errors are retried like the publish call's.
            failedAtToken = true;
            tokenUnanswered = false;
            if (await endpoint.AccessTokenAsync(cancellationToken) is { } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            failedAtToken = false;

            using var response = await http.SendAsync(request, cancellationToken);
            answered = true;
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var status = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
            return (int)response.StatusCode switch
            {
                200 => CountIds(text) is var ids && ids == count
                    ? (PublishOutcome.Published, "", null)
                    : (PublishOutcome.Unconfirmed, $"Pub/Sub answered 200 with {(ids < 0 ? "no messageIds list" : $"{ids} message ids")} "
                        + $"for {count} messages, so which were published is unknown; not sent again, as that could publish duplicates", null),
                404 => (PublishOutcome.Fatal, $"topic {settings.Topic} not found (HTTP 404): create it or check the name", null),
                var code when Transient(code) || code is 409 or 499 => (PublishOutcome.Failed, GoogleError.Describe(code, status, text), Backoff.Asked(response, time)),
                _ => (PublishOutcome.Fatal, GoogleError.Describe((int)response.StatusCode, status, text), null),
            };
        }
        catch (TokenResponseException e) when (e.StatusCode is { } code && Transient((int)code))
        {
            // The token endpoint is overloaded or behind a proxy that failed: not a refusal, so retried like a publish.
            // 409 and 499 are not: they are gRPC's ABORTED and CANCELLED, which an OAuth endpoint does not speak.
            return (PublishOutcome.Failed, $"the token endpoint answered HTTP {(int)code} (fetching an access token)", null);
        }
        catch (TokenResponseException e)
        {
            // Google refused to issue a token (e.g. invalid_grant: an expired or revoked ADC refresh token): no retry helps.
            var refusal = string.IsNullOrWhiteSpace(e.Error.ErrorDescription) ? e.Error.Error : $"{e.Error.Error}: {e.Error.ErrorDescription}";
            return (PublishOutcome.Fatal, $"Application Default Credentials gave no access token ({refusal}). {PubSubEndpoint.LogInHint}.", null);
        }
        catch (HttpRequestException e)
        {
            tokenUnanswered = failedAtToken;
            return (PublishOutcome.Failed, failedAtToken ? $"{e.Message} (fetching an access token)" : e.Message, null);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The token source has its own time limit, not --request-timeout.
            tokenUnanswered = failedAtToken;
            return (PublishOutcome.Failed, failedAtToken ? "the token endpoint did not answer in time (fetching an access token)"
                : $"no answer within {settings.RequestTimeout.TotalSeconds:0} s", null);
        }
    }

    /// <summary>
    /// An answer worth another attempt at either endpoint, Pub/Sub's or the token endpoint: 408 and 429 (the server, or
    /// a proxy on the way, asks for the request again) and 5xx, the statuses Google's auth libraries retry a token request on.
    /// </summary>
    private static bool Transient(int status) => status is 408 or 429 or >= 500;

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
}
