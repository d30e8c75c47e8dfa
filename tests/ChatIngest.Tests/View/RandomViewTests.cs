using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatIngest.Tests.BigQuery;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.View;

/// <summary>
/// VIEW.md's rules all at once, on random conversations built to tie (<see cref="RandomConversations"/>): few distinct
/// sent times (written in other zones and precisions, some equal only once cut to microseconds), few publish times,
/// message ids that order one way as numbers and another as strings, messages redelivered and republished in other
/// JSON forms, differing order events, invalid messages, every push form, arrival order unrelated to publish order.
/// Then a restart half way (graceful, or a SIGKILL with everything since the start only in the journal), the second
/// half sent through /replay (on BigQuery too), or SIGKILL, SIGTERM and SIGKILL under load with what was not acknowledged delivered again,
/// as Pub/Sub does. The service's rows must be the independent model's (<see cref="ViewModel"/>), which the
/// hand-written cases in <see cref="ViewRuleTests"/> pin rule by rule.
/// </summary>
public sealed partial class RandomViewTests
{
    /// <summary>What a start logs when it loads rows that were acknowledged but not yet loaded when the service died.</summary>
    private const string JournalReplayed = "journaled rows that were acknowledged before the last stop";

    [Theory]
    [InlineData(1, null)]
    [InlineData(2, null)]
    [InlineData(3, null)]
    [InlineData(4, 1_000)] // the smallest window of recent keys: older copies are stored again, the view must still count them once
    [InlineData(5, 1_000)]
    public async Task RandomConversationsFullOfTiesGiveTheModelsRowsAcrossARestart(int seed, int? recentKeys)
    {
        var random = new Random(seed);
        var (pushes, deadLetters) = RandomConversations.Generate(random, orders: recentKeys is null ? 150 : 400);
        var arrival = pushes.OrderBy(_ => random.Next()).ToList();
        var path = TempPaths.NewDatabasePath();
        var settings = new Dictionary<string, string?>();
        if (recentKeys is { } window)
        {
            settings["Warehouse:DuckDbRecentKeys"] = window.ToString(CultureInfo.InvariantCulture);
        }

        try
        {
            using (var before = new ChatIngestApp(settings, path))
            {
                await RandomConversations.PushAllAsync(before.CreateClient(), arrival[..(arrival.Count / 2)], random);
            }

            using var after = new ChatIngestApp(settings, path);
            var client = after.CreateClient();
            await RandomConversations.PushAllAsync(client, arrival[(arrival.Count / 2)..], random);

            await RandomConversations.AssertServedAsTheModelAsync(client, pushes, deadLetters);

            if (recentKeys is not null)
            {
                after.Dispose();
                Assert.True(DuckDbFile.RowsStoredAgain(path) > 0, "no copy older than the window was stored again: the window was not exercised");
            }
        }
        finally
        {
            TempPaths.TryDelete(Path.GetDirectoryName(path)!);
        }
    }

    [Theory]
    [InlineData(6, null)]
    [InlineData(7, 1_000)]
    public async Task RandomConversationsFullOfTiesGiveTheModelsRowsAcrossAKillDashNine(int seed, int? recentKeys)
    {
        var random = new Random(seed);
        var (pushes, deadLetters) = RandomConversations.Generate(random, orders: 150);
        var arrival = pushes.OrderBy(_ => random.Next()).ToList();
        var directory = TempPaths.NewDirectory();
        var path = Path.Combine(directory, "crash.duckdb");
        var settings = ProcessSettings(recentKeys);

        try
        {
            // Nothing is loaded before the kill (no read, and a load interval longer than the test): every acknowledged
            // row, earlier publication and dead letter of the first half is in the journal only, and the restart loads it.
            await using (var service = await ServiceProcess.StartAsync(path, new Dictionary<string, string>(settings) { ["Warehouse__DuckDbLoadInterval"] = "00:01:00" }))
            {
                await RandomConversations.PushAllAsync(service.Client, arrival[..(arrival.Count / 2)], random);
                service.Signal(ServiceProcess.SigKill);
                await service.WaitForExitAsync(TimeSpan.FromMinutes(1));
            }

            await using var restarted = await ServiceProcess.StartAsync(path, settings);
            // Logged while it opened, before it answered /healthz; the console logger and the pipe may bring the line later.
            await Wait.UntilAsync(() => restarted.Output.Contains(JournalReplayed, StringComparison.Ordinal), "the journal's replay line");
            await RandomConversations.PushAllAsync(restarted.Client, arrival[(arrival.Count / 2)..], random);

            await RandomConversations.AssertServedAsTheModelAsync(restarted.Client, pushes, deadLetters);
        }
        finally
        {
            TempPaths.TryDelete(directory);
        }
    }

    [Theory]
    [InlineData(10, null)]
    [InlineData(11, 1_000)]
    public async Task RandomConversationsGiveTheModelsRowsWhenStoppedUnderLoadAndWhatWasNotAcknowledgedIsRedelivered(int seed, int? recentKeys)
    {
        var random = new Random(seed);
        var (pushes, deadLetters) = RandomConversations.Generate(random, orders: 1000);
        var directory = TempPaths.NewDirectory();
        var path = Path.Combine(directory, "crash.duckdb");

        // Loads every few ms and checkpoints every 1,000 rows of a table, so a kill may land in a load or a checkpoint
        // as well as in a push; each start journals to a new segment, so a start may load from several.
        var settings = ProcessSettings(recentKeys);
        settings["Warehouse__DuckDbLoadInterval"] = "00:00:00.005";
        settings["Warehouse__DuckDbCheckpointRows"] = "1000";
        settings["Warehouse__DuckDbCheckpointOrderRows"] = "1000";

        try
        {
            // Pub/Sub delivers at least once: whatever was not acknowledged when the service stopped comes again (same id
            // and publish time), in another order, and so do a few pushes that were.
            var pending = pushes.OrderBy(_ => random.Next()).ToList();
            var journalReplays = 0;
            foreach (var signal in new[] { ServiceProcess.SigKill, ServiceProcess.SigTerm, ServiceProcess.SigKill })
            {
                await using var service = await ServiceProcess.StartAsync(path, settings);
                journalReplays += service.Output.Contains(JournalReplayed, StringComparison.Ordinal) ? 1 : 0;
                var acknowledged = await PushUntilStoppedAsync(service, pending, random, stopAfter: random.Next(pending.Count / 4, pending.Count / 2), signal);
                var exitCode = await service.WaitForExitAsync(TimeSpan.FromMinutes(1));
                Assert.True(signal == ServiceProcess.SigKill || exitCode == 0, $"exit code {exitCode} after SIGTERM:\n{service.Output}");
                pending = [.. pending.Where((_, i) => !acknowledged.Contains(i) || random.Next(20) == 0).OrderBy(_ => random.Next())];
            }

            await using var restarted = await ServiceProcess.StartAsync(path, settings);
            journalReplays += restarted.Output.Contains(JournalReplayed, StringComparison.Ordinal) ? 1 : 0;
            Assert.True(journalReplays > 0, "no restart loaded acknowledged rows from the journal: the kills did not test it");
            await RandomConversations.PushAllAsync(restarted.Client, pending, random);

            await RandomConversations.AssertServedAsTheModelAsync(restarted.Client, pushes, deadLetters);
        }
        finally
        {
            TempPaths.TryDelete(directory);
        }
    }

    [Theory]
    [InlineData(8, false)]
    [InlineData(9, false)]
    [InlineData(12, true)] // on BigQuery (the fake runs the service's BigQuery SQL in DuckDB)
    public async Task RandomConversationsHalfPushedHalfReplayedAsNdjsonGiveTheModelsRows(int seed, bool bigQuery)
    {
        var random = new Random(seed);
        var (pushes, deadLetters) = RandomConversations.Generate(random, orders: 150);
        var arrival = pushes.OrderBy(_ => random.Next()).ToList();
        var pushed = arrival[..(arrival.Count / 2)];
        var replayed = arrival[(arrival.Count / 2)..];
        await using var fake = bigQuery ? await FakeBigQuery.StartAsync() : null;
        if (fake is not null)
        {
            fake.Answer = BigQueryInDuckDb.Answer(fake);
        }

        using var app = new ChatIngestApp(fake?.Settings());
        var client = app.CreateClient();
        await RandomConversations.PushAllAsync(client, pushed, random);

        // Two replays of the rest, invalid lines among them, one after the other. A replay publishes its lines when it
        // starts (after every push's 2024 publish time), with ids in line order, so the model sees each replay as one
        // publish time. Each line is a message of its own: an invalid line twice in a replay is two dead letters.
        var published = new List<PublishedMessage>(pushed);
        var expectedDeadLetters = deadLetters.Where(pushed.Select(m => m.MessageId).ToHashSet().Contains).ToHashSet();
        var parts = new[] { replayed[..(replayed.Count / 2)], replayed[(replayed.Count / 2)..] };
        for (var k = 0; k < parts.Length; k++)
        {
            var seen = (await RandomConversations.DeadLetterIdsAsync(client)).ToHashSet();
            using var body = new StringContent(string.Join("\n", parts[k].Select(m => m.Json)), Encoding.UTF8, "application/x-ndjson");
            using var response = await client.PostAsync("/replay", body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var lines = parts[k].Select((m, n) => (Message: m, Id: $"{n + 1:D10}", Invalid: deadLetters.Contains(m.MessageId))).ToList();
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
            AssertReplayCounts(answer, [.. lines.Select(l => (l.Message, l.Invalid))], [.. published.Where(m => !deadLetters.Contains(m.MessageId))], exactDuplicates: !bigQuery);
            published.AddRange(lines.Where(l => !l.Invalid).Select(l => l.Message with { MessageId = "replay-" + l.Id, PublishTime = new DateTime(2100, 1, 1, 0, 0, k, DateTimeKind.Utc) }));

            // A replay's ids begin with its start in microseconds, which only the service knows: take it from the first
            // new dead letter; every invalid line's id must be it and the line's number.
            var invalid = lines.Where(l => l.Invalid).ToList();
            if (invalid.Count > 0)
            {
                var first = (await RandomConversations.DeadLetterIdsAsync(client)).First(id => !seen.Contains(id));
                var prefix = ReplayIdPrefix().Match(first) is { Success: true } match ? match.Value : throw new InvalidOperationException($"not a replay's id: {first}");
                expectedDeadLetters.UnionWith(invalid.Select(l => prefix + l.Id));
            }
        }

        await RandomConversations.AssertServedAsTheModelAsync(client, published, expectedDeadLetters);
        Assert.True(fake is null || fake.Rows("conversations").Count > 0, "the rows did not go to BigQuery");
    }

    /// <summary>
    /// A replay's answer counts each line once: invalid, or else new (an order event or a chat message) or a duplicate of
    /// a message stored before it (VIEW.md's equal JSON), by a push or by an earlier line. The window of recent keys
    /// holds every message here, so on DuckDB the count is exact; BigQuery cannot say what it already holds, so there
    /// only what one write holds twice counts as a duplicate, and each new message must still be counted as new.
    /// </summary>
    private static void AssertReplayCounts(JsonElement answer, List<(PublishedMessage Message, bool Invalid)> lines, List<PublishedMessage> storedBefore, bool exactDuplicates)
    {
        var stored = storedBefore.Select(m => ViewModel.SameMessageKey(m.Json)).ToHashSet();
        var (orders, messages, duplicates) = (0, 0, 0);
        foreach (var (message, _) in lines.Where(l => !l.Invalid))
        {
            if (!stored.Add(ViewModel.SameMessageKey(message.Json)))
            {
                duplicates++;
            }
            else if (ViewModel.IsChat(message))
            {
                messages++;
            }
            else
            {
                orders++;
            }
        }

        long Count(string name) => answer.GetProperty(name).GetInt64();
        Assert.Equal(lines.Count, Count("received"));
        Assert.Equal(lines.Count(l => l.Invalid), Count("invalid"));
        Assert.Equal(lines.Count, Count("orders") + Count("messages") + Count("duplicates") + Count("invalid"));
        if (exactDuplicates)
        {
            Assert.Equal((orders, messages, duplicates), (Count("orders"), Count("messages"), Count("duplicates")));
        }
        else
        {
            Assert.True(Count("orders") >= orders && Count("messages") >= messages, $"{answer}: fewer new than the {orders} order events and {messages} chat messages");
        }
    }

    /// <summary>A service process's environment: the window of recent keys when one is given, else the default.</summary>
    private static Dictionary<string, string> ProcessSettings(int? recentKeys) => recentKeys is { } window
        ? new() { ["Warehouse__DuckDbRecentKeys"] = window.ToString(CultureInfo.InvariantCulture) }
        : [];

    [GeneratedRegex(@"^replay-[0-9]+-")]
    private static partial Regex ReplayIdPrefix();

    /// <summary>
    /// Pushes eight at a time and sends <paramref name="signal"/> once <paramref name="stopAfter"/> are acknowledged,
    /// pushes still in flight; the indexes of those acknowledged. After SIGTERM the pushes go on until the service is
    /// gone: each may still be acknowledged, or answered 503 (stopping) or refused, and then Pub/Sub delivers it again.
    /// </summary>
    private static async Task<HashSet<int>> PushUntilStoppedAsync(ServiceProcess service, List<PublishedMessage> pushes, Random random, int stopAfter, int signal)
    {
        var forms = pushes.Select(_ => random.Next(3)).ToList();
        var acknowledged = new HashSet<int>();
        var stopped = false;
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(pushes.Select(async (m, i) =>
        {
            await gate.WaitAsync();
            try
            {
                if (Volatile.Read(ref stopped) && signal == ServiceProcess.SigKill)
                {
                    return; // Pub/Sub keeps pushing while an instance stops (SIGTERM); after SIGKILL nothing answers
                }

                using var response = await RandomConversations.PushAsync(service.Client, m, forms[i]);
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable && signal == ServiceProcess.SigTerm && Volatile.Read(ref stopped))
                {
                    return;
                }

                Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"{m.Json}: {response.StatusCode}");
                lock (acknowledged)
                {
                    acknowledged.Add(i);
                    if (acknowledged.Count == stopAfter)
                    {
                        Volatile.Write(ref stopped, true);
                        service.Signal(signal);
                    }
                }
            }
            catch (HttpRequestException) when (Volatile.Read(ref stopped))
            {
                // in flight when the service stopped: not acknowledged
            }
            finally
            {
                gate.Release();
            }
        }));

        Assert.True(stopped, $"only {acknowledged.Count} of {pushes.Count} pushes were acknowledged");
        return acknowledged;
    }
}
