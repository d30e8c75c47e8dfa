using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using ChatIngest.Tests.Support;

namespace ChatIngest.Cli.Tests.Support;

/// <summary>One publish request as the fake saw it.</summary>
internal sealed record PublishRequest(string Path, string? Authorization, int BodyBytes, IReadOnlyList<string> Data, IReadOnlyList<string> Base64Data);

/// <summary>
/// An in-process fake of Pub/Sub's <c>topics.publish</c> REST call (GCP.md §3) on 127.0.0.1: checks the request
/// limits (≤ 1,000 messages, body under 10 MB) and answers <c>messageIds</c>; answers 404 for unknown topics and the
/// queued failure codes (e.g. 429, 503) before succeeding, to prove retries, or one code to every request after some
/// were accepted, with Google's error body and a Retry-After if asked; can answer a publish with ids missing.
/// </summary>
internal sealed class FakePubSub : IAsyncDisposable
{
    public const string Topic = "projects/demo-project/topics/chat";
    private readonly ConcurrentQueue<int> failures = new();
    private readonly Channel<PublishRequest> arrivals = Channel.CreateUnbounded<PublishRequest>();
    private LoopbackServer? server;
    private long nextId = 1000;
    private int idsMissing;
    private string? nextAnswer;
    private (int Accepted, int Code)? failAfter;

    public ConcurrentQueue<PublishRequest> Accepted { get; } = new();
    public ConcurrentQueue<string> Violations { get; } = new();

    /// <summary>When set, the queued failures answer with Google's error body holding this message; else with none.</summary>
    public string? FailureMessage { get; set; }

    /// <summary>When set, the queued failures carry it as their Retry-After header.</summary>
    public string? RetryAfter { get; set; }
    public int Attempts;

    /// <summary>host:port, as PUBSUB_EMULATOR_HOST holds it.</summary>
    public string Host => $"{server!.Address.Host}:{server.Address.Port}";

    public IEnumerable<string> Messages => Accepted.SelectMany(r => r.Data);

    public static async Task<FakePubSub> StartAsync(params int[] failFirst)
    {
        var fake = new FakePubSub();
        foreach (var code in failFirst)
        {
            fake.failures.Enqueue(code);
        }

        fake.server = await LoopbackServer.StartAsync(fake.HandleAsync);
        return fake;
    }

    /// <summary>The next publish request accepted, in the order they came.</summary>
    public Task<PublishRequest> NextAcceptedAsync() => arrivals.Reader.ReadAsync().AsTask();

    /// <summary>Once <paramref name="accepted"/> publishes were accepted, every later request is answered <paramref name="code"/>.</summary>
    public void FailAfter(int accepted, int code) => failAfter = (accepted, code);

    /// <summary>The next successful publish answers 200 with <paramref name="count"/> fewer message ids than messages.</summary>
    public void DropIdsFromNextAnswer(int count) => idsMissing = count;

    /// <summary>The next publish is taken but answered 200 with <paramref name="body"/> (a proxy's, say) instead of its ids.</summary>
    public void AnswerNextWith(string body) => nextAnswer = body;

    private async Task HandleAsync(HttpContext http)
    {
        Interlocked.Increment(ref Attempts);
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body);
        if (http.Request.Method != "POST" || http.Request.Path != $"/v1/{Topic}:publish")
        {
            http.Response.StatusCode = 404;
            await http.Response.WriteAsync("""{"error":{"code":404,"message":"Resource not found","status":"NOT_FOUND"}}""");
            return;
        }

        var failing = failures.TryDequeue(out var code);
        if (!failing && failAfter is { } after && Accepted.Count >= after.Accepted)
        {
            (failing, code) = (true, after.Code);
        }

        if (failing)
        {
            http.Response.StatusCode = code;
            if (RetryAfter is not null)
            {
                http.Response.Headers.RetryAfter = RetryAfter;
            }

            if (FailureMessage is not null)
            {
                var status = code switch { 400 => "INVALID_ARGUMENT", 401 => "UNAUTHENTICATED", 403 => "PERMISSION_DENIED", 501 => "UNIMPLEMENTED", _ => "UNAVAILABLE" };
                await http.Response.WriteAsJsonAsync(new { error = new { code, message = FailureMessage, status } });
            }

            return;
        }

        var sent = JsonDocument.Parse(body.ToArray()).RootElement.GetProperty("messages").EnumerateArray()
            .Select(m => m.GetProperty("data").GetString()!).ToArray();
        var messages = sent.Select(data => Encoding.UTF8.GetString(Convert.FromBase64String(data))).ToArray();
        if (messages.Length is 0 or > 1000 || body.Length >= 10_000_000 || sent.Any(data => data.Length == 0))
        {
            // Pub/Sub refuses the whole request for one message with neither data nor attributes.
            Violations.Enqueue($"{messages.Length} messages, {body.Length} bytes, {sent.Count(data => data.Length == 0)} empty");
            http.Response.StatusCode = 400;
            return;
        }

        var request = new PublishRequest(http.Request.Path, http.Request.Headers.Authorization.FirstOrDefault(), (int)body.Length, messages, sent);
        Accepted.Enqueue(request);
        arrivals.Writer.TryWrite(request);
        if (Interlocked.Exchange(ref nextAnswer, null) is { } answer)
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(answer);
            return;
        }

        var ids = messages.Skip(Interlocked.Exchange(ref idsMissing, 0)).Select(_ => Interlocked.Increment(ref nextId).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await http.Response.WriteAsJsonAsync(new { messageIds = ids });
    }

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
