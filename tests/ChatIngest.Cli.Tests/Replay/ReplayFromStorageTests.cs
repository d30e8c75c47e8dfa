using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using ChatIngest.Cli.Tests.Support;
using Microsoft.AspNetCore.Http;
using ChatIngest.Tests.Support;

namespace ChatIngest.Cli.Tests.Replay;

/// <summary>
/// <c>replay gs://…</c> as a real process with <c>STORAGE_EMULATOR_HOST</c> pointing at an in-process fake of the
/// Cloud Storage JSON API (object metadata, then <c>alt=media</c> download), which also plays the push endpoint.
/// </summary>
public sealed class ReplayFromStorageTests
{
    [Fact]
    public async Task ObjectInTheStorageEmulatorIsStreamedAndEveryLineIsPushedWithoutCredentials()
    {
        var lines = Ndjson.Orders(300, first: 10_000_001);
        var content = Ndjson.Of(lines);
        var storageRequests = new ConcurrentQueue<string>();
        var pushed = new ConcurrentQueue<string>();
        await using var server = await LoopbackServer.StartAsync(async http =>
        {
            var path = http.Request.Path.Value!;
            if (http.Request.Method == "POST" && path == "/pubsub/push")
            {
                var envelope = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body);
                pushed.Enqueue(Encoding.UTF8.GetString(Convert.FromBase64String(envelope.GetProperty("message").GetProperty("data").GetString()!)));
                http.Response.StatusCode = 204;
                return;
            }

            storageRequests.Enqueue($"{path}{http.Request.QueryString} auth={http.Request.Headers.Authorization}");
            if (!path.EndsWith("/b/chat-bucket/o/day1.ndjson", StringComparison.Ordinal))
            {
                http.Response.StatusCode = 404;
            }
            else if (http.Request.Query["alt"] == "media")
            {
                await http.Response.Body.WriteAsync(content);
            }
            else
            {
                await http.Response.WriteAsJsonAsync(new { kind = "storage#object", bucket = "chat-bucket", name = "day1.ndjson", size = $"{content.Length}", generation = "1" });
            }
        });

        var result = await CliProcess.RunAsync(
            ["replay", "gs://chat-bucket/day1.ndjson", "--to", new Uri(server.Address, "/pubsub/push").ToString()],
            new Dictionary<string, string> { ["STORAGE_EMULATOR_HOST"] = server.Address.ToString().TrimEnd('/') });

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(lines.Order(StringComparer.Ordinal), pushed.Order(StringComparer.Ordinal));
        Assert.Contains(storageRequests, r => r.Contains("alt=media", StringComparison.Ordinal));
        Assert.All(storageRequests, r => Assert.EndsWith("auth=", r, StringComparison.Ordinal));
        Assert.Contains("replay: 300 msgs, ", result.Error, StringComparison.Ordinal);
        Assert.Contains("100%, ETA 00:00:00", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', result.Error);
    }

    [Fact]
    public async Task ADownloadRefusedByStorageStopsTheRunWithOneLineSayingWhy()
    {
        await using var server = await LoopbackServer.StartAsync(async http =>
        {
            if (http.Request.Query["alt"] == "media")
            {
                http.Response.StatusCode = StatusCodes.Status403Forbidden;
                await http.Response.WriteAsJsonAsync(new { error = new { code = 403, message = "caller does not have storage.objects.get access" } });
                return;
            }

            await http.Response.WriteAsJsonAsync(new { kind = "storage#object", bucket = "chat-bucket", name = "day1.ndjson", size = "100", generation = "1" });
        });

        var result = await CliProcess.RunAsync(
            ["replay", "gs://chat-bucket/day1.ndjson", "--to", "http://127.0.0.1:9/pubsub/push"],
            new Dictionary<string, string> { ["STORAGE_EMULATOR_HOST"] = server.Address.ToString().TrimEnd('/') });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("replay: stopped: reading gs://chat-bucket/day1.ndjson failed: HTTP 403: caller does not have storage.objects.get access", result.Error.Split('\n'));
        Assert.DoesNotContain("exception", result.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task MissingObjectFailsWithExitCodeOne()
    {
        await using var server = await LoopbackServer.StartAsync(http => { http.Response.StatusCode = StatusCodes.Status404NotFound; return Task.CompletedTask; });

        var result = await CliProcess.RunAsync(
            ["replay", "gs://chat-bucket/missing.ndjson", "--to", new Uri(server.Address, "/pubsub/push").ToString()],
            new Dictionary<string, string> { ["STORAGE_EMULATOR_HOST"] = server.Address.ToString().TrimEnd('/') });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot open gs://chat-bucket/missing.ndjson", result.Error, StringComparison.Ordinal);
    }
}
