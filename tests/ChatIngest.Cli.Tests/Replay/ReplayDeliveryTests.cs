using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using ChatIngest.Cli.Tests.Support;
using ChatIngest.Core.Messages;
using Microsoft.Extensions.Time.Testing;
using ChatIngest.Tests.Support;
using static ChatIngest.Cli.Tests.Support.ReplayRun;

namespace ChatIngest.Cli.Tests.Replay;

/// <summary>
/// Replay against a fake push endpoint: what each delivery carries, and retries until acknowledged.
/// </summary>
public sealed class ReplayDeliveryTests
{
    [Fact]
    public async Task EachLineArrivesAsAPubSubPushEnvelopeWithBearerToken()
    {
        var (result, received) = await ReplayAsync(_ => 204, "--token", "secret-token", "--subscription", "projects/p/subscriptions/s");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(3, received.Count);
        Assert.All(received, r => Assert.Equal("Bearer secret-token", r.GetProperty("authorization").GetString()));
        var messages = received.Select(r => r.GetProperty("envelope")).ToArray();
        Assert.All(messages, e => Assert.Equal("projects/p/subscriptions/s", e.GetProperty("subscription").GetString()));
        var data = messages.Select(Data);
        Assert.Equal(Lines.Order(StringComparer.Ordinal), data.Order(StringComparer.Ordinal));

        var ids = new HashSet<string>();
        foreach (var message in messages.Select(e => e.GetProperty("message")))
        {
            var id = message.GetProperty("messageId").GetString()!;
            Assert.Equal(id, message.GetProperty("message_id").GetString());
            Assert.True(ulong.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out _), $"message id {id} is not numeric");
            Assert.True(ids.Add(id));
            var published = message.GetProperty("publishTime").GetString()!;
            Assert.Equal(published, message.GetProperty("publish_time").GetString());
            Assert.EndsWith("Z", published, StringComparison.Ordinal);
            Assert.True(Rfc3339.TryParseUtc(published, out _), $"{published} is not RFC 3339");
        }
    }

    [Fact]
    public async Task UnwrappedEachLineArrivesAsTheBodyWithItsIdAndPublishTimeInHeaders()
    {
        var received = new ConcurrentQueue<(string Body, string? Id, string? Published, string? Subscription, string? ContentType)>();
        await using var server = await LoopbackServer.StartAsync(async http =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var headers = http.Request.Headers;
            received.Enqueue((await reader.ReadToEndAsync(), headers["x-goog-pubsub-message-id"], headers["x-goog-pubsub-publish-time"],
                headers["x-goog-pubsub-subscription-name"], http.Request.ContentType));
            http.Response.StatusCode = 204;
        });

        var stdin = Ndjson.Of(Lines);
        var result = await CliRun.RunAsync(
            ["replay", "-", "--to", new Uri(server.Address, "/pubsub/push/unwrapped").ToString(), "--unwrapped", "--subscription", "projects/p/subscriptions/s"],
            stdin: stdin);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(Lines.Order(StringComparer.Ordinal), received.Select(r => r.Body).Order(StringComparer.Ordinal));
        Assert.Equal(3, received.Select(r => r.Id).Distinct().Count());
        Assert.All(received, r =>
        {
            Assert.True(ulong.TryParse(r.Id, NumberStyles.None, CultureInfo.InvariantCulture, out _), $"message id {r.Id} is not numeric");
            Assert.True(Rfc3339.TryParseUtc(r.Published, out _), $"{r.Published} is not RFC 3339");
            Assert.Equal("projects/p/subscriptions/s", r.Subscription);
            Assert.Null(r.ContentType);
        });
    }

    [Fact]
    public async Task RunsStartedAtTheSameInstantSendDisjointMessageIds()
    {
        var ids = new ConcurrentQueue<string>();
        await using var server = await LoopbackServer.StartAsync(async http =>
        {
            var envelope = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body);
            ids.Enqueue(envelope.GetProperty("message").GetProperty("messageId").GetString()!);
            http.Response.StatusCode = 204;
        });
        var time = new FakeTimeProvider(new DateTimeOffset(2024, 2, 1, 10, 0, 0, TimeSpan.Zero));
        var stdin = Ndjson.Of(Lines);
        string[] replay = ["replay", "-", "--to", new Uri(server.Address, "/pubsub/push").ToString()];

        var first = await CliRun.RunAsync(replay, stdin: stdin, time: time);
        var second = await CliRun.RunAsync(replay, stdin: stdin, time: time);

        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first.Error + second.Error);
        Assert.Equal(6, ids.Count);
        Assert.Equal(6, ids.Distinct().Count());
        Assert.All(ids, id => Assert.InRange(long.Parse(id, CultureInfo.InvariantCulture), 1_000_000_000_000_000_000, long.MaxValue));
    }

    [Fact]
    public async Task FromLineSendsTheLinesFromThatLineOn()
    {
        var (result, received) = await ReplayAsync(_ => 204, "--from-line", "2");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(Lines[1..].Order(StringComparer.Ordinal), received.Select(r => Data(r.GetProperty("envelope"))).Order(StringComparer.Ordinal));
        Assert.Contains("replay: read 2 lines; sent 2, acknowledged 2,", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NackedDeliveriesAreRetriedWithTheSameIdUntilAcknowledged()
    {
        var attempts = new ConcurrentDictionary<string, int>();
        var (result, received) = await ReplayAsync(
            e => attempts.AddOrUpdate(e.GetProperty("message").GetProperty("messageId").GetString()!, 1, (_, n) => n + 1) <= 2 ? 503 : 204);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(9, received.Count);
        Assert.All(attempts.Values, n => Assert.Equal(3, n));
        Assert.Contains("sent 3, acknowledged 3, retried 6, failed 0", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASourceThatIsAPipeIsRead()
    {
        // <(…), /dev/stdin and named pipes are files without a length.
        var directory = Directory.CreateTempSubdirectory("chatingest-fifo-");
        try
        {
            var fifo = Path.Combine(directory.FullName, "lines");
            using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
            {
                await mkfifo.WaitForExitAsync();
            }

            var received = 0;
            await using var server = await LoopbackServer.StartAsync(http =>
            {
                Interlocked.Increment(ref received);
                http.Response.StatusCode = 204;
                return Task.CompletedTask;
            });
            var writer = Task.Run(() => File.WriteAllBytes(fifo, Ndjson.Of(Lines))); // blocks until the CLI opens it

            var result = await CliRun.RunAsync(["replay", fifo, "--to", new Uri(server.Address, "/pubsub/push").ToString()]);

            Assert.True(result.ExitCode == 0, result.Error); // before the writer: had the CLI not opened the pipe, it would wait forever
            await writer.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(3, received);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
