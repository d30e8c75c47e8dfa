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
    /// publish some twice, so it counts as failed without a retry, is named to send again by hand (ChatIngest keeps one
    /// of each valid message), and the run goes on.
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

    /// <summary>Whether an attempt failed fetching its access token (Pub/Sub then was not asked), and if the token endpoint answered.</summary>
    private enum TokenFailure
    {
        None,
        Answered,
        Unanswered,
    }

    /// <summary>How one attempt went: the outcome, what went wrong, the wait a 429 or 503 asked for (Retry-After), and where it failed.</summary>
    private readonly record struct Attempt(PublishOutcome Outcome, string Problem, TimeSpan? Asked = null, TokenFailure Token = TokenFailure.None);

    public async Task<PublishOutcome> PublishAsync(PublishBatch batch, CancellationToken cancellationToken)
    {
        var body = batch.ToJson();
        counters.AddSent(batch.Count);
        for (var attempt = 1; ; attempt++)
        {
            var (outcome, problem, asked, token) = await TrySendAsync(body, batch.Count, cancellationToken);
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
                counters.Stop(token is not TokenFailure.None
                    ? $"nothing from line {batch.FirstLine} on was published: no access token could be had for Pub/Sub, which was not asked: "
                        + $"{AnswerText.AfterAttempts(problem, attempt)}.{(token is TokenFailure.Unanswered ? " Is the token endpoint reachable from here?" : "")}"
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

    private async Task<Attempt> TrySendAsync(byte[] body, int count, CancellationToken cancellationToken)
    {
        string? token;
        try
        {
            // Inside the attempt: the token source's own network errors are retried like the publish call's.
            token = await endpoint.AccessTokenAsync(cancellationToken);
        }
        catch (TokenResponseException e) when (e.StatusCode is { } code && Transient((int)code))
        {
            // The token endpoint is overloaded or behind a proxy that failed: not a refusal, so retried like a publish.
            // 409 and 499 are not: they are gRPC's ABORTED and CANCELLED, which an OAuth endpoint does not speak.
            return new(PublishOutcome.Failed, $"the token endpoint answered HTTP {(int)code} (fetching an access token)", Token: TokenFailure.Answered);
        }
        catch (TokenResponseException e)
        {
            // Google refused to issue a token (e.g. invalid_grant: an expired or revoked ADC refresh token): no retry helps.
            var refusal = string.IsNullOrWhiteSpace(e.Error.ErrorDescription) ? e.Error.Error : $"{e.Error.Error}: {e.Error.ErrorDescription}";
            return new(PublishOutcome.Fatal, $"Application Default Credentials gave no access token ({refusal}). {PubSubEndpoint.LogInHint}.");
        }
        catch (HttpRequestException e)
        {
            return new(PublishOutcome.Failed, $"{e.Message} (fetching an access token)", Token: TokenFailure.Unanswered);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The token source has its own time limit, not --request-timeout.
            return new(PublishOutcome.Failed, "the token endpoint did not answer in time (fetching an access token)", Token: TokenFailure.Unanswered);
        }

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.PublishUri) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await http.SendAsync(request, cancellationToken);
            answered = true;
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var status = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
            return (int)response.StatusCode switch
            {
                200 => CountIds(text) is var ids && ids == count
                    ? new(PublishOutcome.Published, "")
                    : new(PublishOutcome.Unconfirmed, $"Pub/Sub answered 200 with {(ids < 0 ? "no messageIds list" : $"{ids} message ids")} "
                        + $"for {count} messages, so which were published is unknown; not retried, as that could publish some twice "
                        + "(ChatIngest stores a valid message once however often it comes, so they are named below to send again by hand)"),
                404 => new(PublishOutcome.Fatal, $"topic {settings.Topic} not found (HTTP 404): create it or check the name"),
                var code when Transient(code) || code is 409 or 499 => new(PublishOutcome.Failed, GoogleError.Describe(code, status, text), Backoff.Asked(response, time)),
                _ => new(PublishOutcome.Fatal, GoogleError.Describe((int)response.StatusCode, status, text)),
            };
        }
        catch (HttpRequestException e)
        {
            return new(PublishOutcome.Failed, e.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(PublishOutcome.Failed, $"no answer within {settings.RequestTimeout.TotalSeconds:0} s");
        }
    }

    /// <summary>
    /// An answer worth another attempt at either endpoint, Pub/Sub's or the token endpoint: 408 and 429 (the server, or
    /// a proxy on the way, asks for the request again) and 5xx, the statuses Google's auth libraries retry a token request on,
    /// but for 501 (not implemented) and 505 (HTTP version not supported), which say the same at every attempt.
    /// </summary>
    private static bool Transient(int status) => status is 408 or 429 or (>= 500 and not 501 and not 505);

    private static int CountIds(string answer)
    {
        try
        {
            using var json = JsonDocument.Parse(answer);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("messageIds", out var ids)
                && ids.ValueKind == JsonValueKind.Array ? ids.GetArrayLength() : -1;
        }
        catch (JsonException)
        {
            return -1;
        }
    }
}
