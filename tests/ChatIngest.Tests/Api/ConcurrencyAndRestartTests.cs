using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using ChatIngest.Tests.Support;
using static ChatIngest.Tests.Support.Payloads;

namespace ChatIngest.Tests.Api;

public sealed class ConcurrencyAndRestartTests
{
    private static readonly DateTime T0 = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task FiveHundredConcurrentPushesWithDeliberateDuplicatesLandExactlyOnce()
    {
        using var app = new ChatIngestApp();
        var client = app.CreateClient();

        // 200 distinct messages over 50 orders; 300 more pushes repeat them: 100 redeliveries (same id) and 200
        // republications (new id, later publish time), all sent at once in shuffled order.
        var distinct = Enumerable.Range(0, 200).Select(i => new PublishedMessage(
            Chat(1000 + (i % 50), i % 2 == 0 ? "Courier Android" : "Customer iOS",
                T0.AddSeconds(i).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), i < 50),
            (i + 1).ToString(CultureInfo.InvariantCulture), T0.AddMilliseconds(i))).ToList();
        var pushes = distinct
            .Concat(distinct.Take(100))
            .Concat(distinct.Select((m, i) => m with { MessageId = (10_000 + i).ToString(CultureInfo.InvariantCulture), PublishTime = m.PublishTime.AddHours(1) }))
            .OrderBy(_ => Random.Shared.Next())
            .ToList();
        Assert.Equal(500, pushes.Count);

        var codes = new ConcurrentBag<HttpStatusCode>();
        await Task.WhenAll(pushes.Select(async m =>
        {
            using var response = await client.PushAsync(m.Json, m.MessageId, m.PublishTime);
            codes.Add(response.StatusCode);
        }));

        Assert.All(codes, c => Assert.Equal(HttpStatusCode.NoContent, c));
        var expected = ViewModel.Compute(distinct);
        var actual = await ViewReader.ReadAllAsync(client);
        Assert.Equal(50, actual.Count);
        Assert.All(actual, row => Assert.Equal(expected[row.OrderId], row));
        Assert.Equal(200, actual.Sum(r => r.NumMessagesCourier + r.NumMessagesCustomer));
    }

    [Fact]
    public async Task RestartingOnAnExistingFileKeepsTheData()
    {
        var path = TempPaths.NewDatabasePath();
        try
        {
            using (var first = new ChatIngestApp(databasePath: path))
            {
                var client = first.CreateClient();
                Assert.Equal(HttpStatusCode.NoContent, (await client.PushAsync(Chat(7, "Customer iOS", "2024-02-01T10:00:00Z", true), "1", T0)).StatusCode);
                Assert.Equal(HttpStatusCode.NoContent, (await client.PushAsync(Order(7, "BER"), "2", T0)).StatusCode);
                Assert.Equal(HttpStatusCode.NoContent, (await client.PushAsync("not json", "3", T0)).StatusCode);
            }

            using var second = new ChatIngestApp(databasePath: path);
            var again = second.CreateClient();
            var row = await ViewReader.ReadOneAsync(again, 7);
            Assert.Equal(("BER", "Customer", 1L), (row.CityCode, row.FirstMessageBy, row.NumMessagesCustomer));
            Assert.Single((await again.GetJsonAsync("/dead-letters")).GetProperty("items").EnumerateArray());

            // the stored content keys survive too: the same message again is still a duplicate
            Assert.Equal(HttpStatusCode.NoContent, (await again.PushAsync(Chat(7, "Customer iOS", "2024-02-01T10:00:00Z", true), "9", T0.AddDays(1))).StatusCode);
            Assert.Equal(1, (await ViewReader.ReadOneAsync(again, 7)).NumMessagesCustomer);
        }
        finally
        {
            TempPaths.TryDelete(Path.GetDirectoryName(path)!);
        }
    }
}
