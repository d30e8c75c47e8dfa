using System.Net;
using System.Net.Sockets;
using System.Text;
using ChatIngest.Tests.Support;
using static ChatIngest.Tests.Support.RawHttp;

namespace ChatIngest.Tests.Reliability;

/// <summary>
/// The push body limit is Kestrel's (request-size metadata on the push group), and so are the checks of a request's
/// framing (a malformed chunk) and a client's reset; the in-process test server has none of them, so these run against
/// the real service process.
/// </summary>
public sealed class KestrelLimitTests : IDisposable
{
    private static readonly DateTime Published = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

    private readonly string directory = TempPaths.NewDirectory();

    public void Dispose() => TempPaths.TryDelete(directory);

    [Fact]
    public async Task PushBodyOverTheLimitGets413ProblemWhileAFullSizePubSubMessageIsTaken()
    {
        await using (var service = await ServiceProcess.StartAsync(Path.Combine(directory, "limits.duckdb")))
        {
            var tenMegabytes = new byte[10 * 1024 * 1024]; // Pub/Sub's largest message: fits the default limit
            Array.Fill(tenMegabytes, (byte)'x');
            using (var full = await service.Client.PushAsync(PushEnvelopes.Create(tenMegabytes, "max-size", Published)))
            {
                Assert.Equal(HttpStatusCode.NoContent, full.StatusCode);
            }

            // 20 MB as base64: over the default 14 MiB. "Expect: 100-continue" lets the client read the 413 that Kestrel
            // sends before the body, instead of failing with a broken pipe while still writing it.
            var over = new byte[15 * 1024 * 1024];
            using var request = new HttpRequestMessage(HttpMethod.Post, "/pubsub/push")
            {
                Content = new StringContent(PushEnvelopes.Create(over, "too-big", Published), System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.ExpectContinue = true;
            using var response = await service.Client.SendAsync(request);

            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);

            // The unwrapped endpoint has the same limit, on the data itself.
            using var unwrapped = new HttpRequestMessage(HttpMethod.Post, "/pubsub/push/unwrapped") { Content = new ByteArrayContent(over) };
            unwrapped.Headers.ExpectContinue = true;
            using var unwrappedResponse = await service.Client.SendAsync(unwrapped);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, unwrappedResponse.StatusCode);
            Assert.Contains("Push__MaxBodyBytes", await unwrappedResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            var parked = (await service.Client.GetJsonAsync("/dead-letters")).GetProperty("items");
            Assert.Equal(["max-size"], parked.EnumerateArray().Select(p => p.GetProperty("message_id").GetString()));
            Assert.Equal(2, (await service.Client.ScrapeAsync())["chatingest_push_rejected_total{reason=\"too_large\"}"]); // counted: this process's own
        }
    }

    [Fact]
    public async Task AnUnwrappedPushWithAHundredAttributesOfPubSubsLargestSizeIsStored()
    {
        // A subscription that writes metadata sends each attribute as a header: 100 of them, 256-byte keys and 1,024-byte
        // values, are past Kestrel's defaults (100 headers, 32 KB), which answered 431 at every delivery.
        await using var service = await ServiceProcess.StartAsync(Path.Combine(directory, "attributes.duckdb"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pubsub/push/unwrapped") { Content = new StringContent(Payloads.CourierStart(77)) };
        request.Headers.TryAddWithoutValidation("x-goog-pubsub-message-id", "attributes-1");
        request.Headers.TryAddWithoutValidation("x-goog-pubsub-publish-time", "2024-02-01T10:00:00.000Z");
        request.Headers.TryAddWithoutValidation("x-goog-pubsub-subscription-name", "projects/demo/subscriptions/chat-push");
        for (var i = 0; i < 100; i++)
        {
            request.Headers.TryAddWithoutValidation($"attr{i:D3}-{new string('k', 248)}", new string('v', 1024)); // 256-byte keys
        }

        using var response = await service.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var row = await service.Client.GetJsonAsync("/conversations/77");
        Assert.Equal(1, row.GetProperty("num_messages_courier").GetInt32());
    }

    [Fact]
    public async Task MalformedOrCutOffBodyIsTheClientsErrorNotLoggedAsTheServicesAndTheServiceGoesOn()
    {
        const string token = "cut-body-token";
        await using (var service = await ServiceProcess.StartAsync(Path.Combine(directory, "cut.duckdb"), new Dictionary<string, string>
        {
            ["Replay__Token"] = token,
            ["Logging__LogLevel__ChatIngest.Api.Push"] = "Debug", // "Push … stored": a line known to come after the others
            ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information", // "Request starting …"
        }))
        {
            // A chunk size that is not hex: Kestrel refuses the body while the endpoint reads it.
            const string badChunks = "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"mes\r\nzz\r\n";
            foreach (var (path, auth) in new[] { ("/pubsub/push", ""), ("/replay", $"Authorization: Bearer {token}\r\n") })
            {
                using var client = await ConnectAsync(service.Address);
                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(RequestHead(service.Address, path, auth) + badChunks));
                var answer = await ReadAnswerAsync(client.GetStream());

                Assert.StartsWith("HTTP/1.1 400", answer, StringComparison.Ordinal);
                Assert.Contains("application/problem+json", answer, StringComparison.Ordinal);
                Assert.Contains("Bad chunk size data.", answer, StringComparison.Ordinal);
            }

            // A client that resets the connection halfway through its body (Pub/Sub cutting a push, a load generator stopping).
            // Depending on timing, Kestrel hands the endpoint a ConnectionResetException, an aborted request or a body
            // that ended early; each must stay quiet. (Kestrel itself may warn "Reading is already in progress": dotnet/aspnetcore#52324.)
            using (var client = await ConnectAsync(service.Address))
            {
                var stream = client.GetStream();
                await stream.WriteAsync(Encoding.ASCII.GetBytes(RequestHead(service.Address, "/pubsub/push", "") + "Content-Length: 400\r\n\r\n{\"message\": "));
                await stream.FlushAsync();
                await Wait.UntilAsync(
                    () => service.Output.Contains("POST http://" + service.Address.Authority + "/pubsub/push - application/json 400", StringComparison.Ordinal),
                    "the cut push's start");
                client.Client.LingerState = new LingerOption(true, 0); // close = RST
            }

            // Counted as 499 (client closed the request) or, when Kestrel saw the body end first, 400: either way,
            // two refused pushes with the bad chunks' one.
            await Wait.UntilAsync(async () => RefusedPushes(await service.Client.ScrapeAsync()) >= 2, "the cut push's count");

            // The cut push was logged (if at all) before it was counted, so before the next push's line.
            await AssertNothingFailedBeforeAPushIsStoredAsync(service, "whole-push");
        }
    }

    [Fact]
    public async Task AReplayBodyThatBreaksOffStoresTheLinesReadBeforeAndSaysWhereToGoOn()
    {
        var (service, client) = await ThreeLinesOfAReplayReadAsync("broken.duckdb", chunked: true);
        await using var _ = service;
        using var __ = client;

        await client.GetStream().WriteAsync("zz\r\n"u8.ToArray()); // a chunk size that is not hex
        var answer = await ReadAnswerAsync(client.GetStream());

        Assert.StartsWith("HTTP/1.1 400", answer, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", answer, StringComparison.Ordinal);
        Assert.Contains("Bad chunk size data. The 3 lines read before it are stored; send the lines after line 4 again, e.g. tail -n +5 FILE", answer, StringComparison.Ordinal);
        var stored = (await service.Client.GetJsonAsync("/conversations")).GetProperty("items").EnumerateArray()
            .Select(row => row.GetProperty("order_id").GetInt64());
        Assert.Equal([1L, 2L, 3L], stored);
    }

    [Fact]
    public async Task AReplayWhoseClientClosesBeforeItsContentLengthStillStoresTheLinesReadBeforeTheClose()
    {
        // A killed curl, a dropped proxy: Kestrel ends the request, and no answer can reach the client; what was read
        // is stored all the same (the client will send the file again, and duplicates change nothing).
        var (service, client) = await ThreeLinesOfAReplayReadAsync("closed.duckdb", chunked: false);
        await using var _ = service;
        using var __ = client;

        client.Client.Shutdown(SocketShutdown.Send);

        await Wait.UntilAsync(async () => (await service.Client.GetJsonAsync("/conversations")).GetProperty("items").GetArrayLength() == 3, "all three lines stored");
    }

    /// <summary>
    /// A service whose replays send each line to the writer as a chunk of its own, and a connection that has sent it a
    /// replay's head (chunked, or a Content-Length far past what follows) and lines 1, 3 and 4 (line 2 blank), each a
    /// courier's first message of orders 1 to 3: returned once the first is stored, so all three have been read.
    /// </summary>
    private async Task<(ServiceProcess Service, TcpClient Client)> ThreeLinesOfAReplayReadAsync(string database, bool chunked)
    {
        const string token = "replay-token";
        var service = await ServiceProcess.StartAsync(Path.Combine(directory, database), new Dictionary<string, string>
        {
            ["Replay__Token"] = token,
            ["Ingest__ReplayChunkLines"] = "1", // each line its own chunk: the first is stored once the third has been read
        });
        var lines = Encoding.UTF8.GetBytes(Payloads.CourierStart(1) + "\n\n" + Payloads.CourierStart(2) + "\n" + Payloads.CourierStart(3) + "\n");
        TcpClient? client = null;
        try
        {
            client = await ConnectAsync(service.Address);
            await client.GetStream().WriteAsync(RawHttp.UnendedReplay(service.Address, token, lines, chunked));
            await Wait.UntilAsync(async () => (await service.Client.GetJsonAsync("/conversations")).GetProperty("items").GetArrayLength() > 0, "the first line stored");
            return (service, client);
        }
        catch
        {
            client?.Dispose();
            await service.DisposeAsync(); // the caller never got them to dispose
            throw;
        }
    }

    [Fact]
    public async Task AReplayLineOverTheLimitGets413AndKestrelDrainsTheRestWithoutAnError()
    {
        const string token = "long-line-token";
        await using var service = await ServiceProcess.StartAsync(Path.Combine(directory, "long.duckdb"), new Dictionary<string, string>
        {
            ["Replay__Token"] = token,
            ["Ingest__MaxReplayLineBytes"] = "4096",
            ["Logging__LogLevel__ChatIngest.Api.Push"] = "Debug", // "Push … stored": a line known to come after the others
        });
        var body = "{\"orderId\": 1, \"cityCode\": \"IST\"}\n" + new string('x', 20_000) + "\n{\"orderId\": 2, \"cityCode\": \"IST\"}\n";
        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/replay") { Content = new StringContent(body, Encoding.UTF8, "application/x-ndjson") };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var response = await service.Client.SendAsync(request);

            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains("Line 2 is longer than 4,096 bytes. It and the rest were not read; the 1 line before it is stored.",
                await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await AssertNothingFailedBeforeAPushIsStoredAsync(service, "after-long-lines");
        Assert.DoesNotContain("Reading is already in progress", service.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Sends one good push and waits for its "stored" line (logged at Debug for ChatIngest.Api.Push), so everything
    /// the requests before it logged is in the output; then no line may be at <c>fail</c> or an unhandled exception.
    /// </summary>
    private static async Task AssertNothingFailedBeforeAPushIsStoredAsync(ServiceProcess service, string messageId)
    {
        using (var ok = await service.Client.PushAsync(PushEnvelopes.Create("{\"orderId\": 4, \"cityCode\": \"IST\"}", messageId, Published)))
        {
            Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        }

        await Wait.UntilAsync(() => service.Output.Contains($"Push {messageId} stored", StringComparison.Ordinal), $"push {messageId}'s log line");
        Assert.DoesNotContain("fail:", service.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("unhandled exception", service.Output, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Pushes answered 400 or 499, from ASP.NET Core's request-duration histogram.</summary>
    private static double RefusedPushes(Dictionary<string, double> samples) => samples
        .Where(s => s.Key.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)
            && s.Key.Contains("http_route=\"/pubsub/push\"", StringComparison.Ordinal)
            && (s.Key.Contains("http_response_status_code=\"400\"", StringComparison.Ordinal) || s.Key.Contains("http_response_status_code=\"499\"", StringComparison.Ordinal)))
        .Sum(s => s.Value);
}
