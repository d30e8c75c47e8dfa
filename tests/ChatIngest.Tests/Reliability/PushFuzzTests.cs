using System.Net;
using System.Text.Json;
using ChatIngest.Tests.Support;
using Xunit.Abstractions;

namespace ChatIngest.Tests.Reliability;

/// <summary>Thousands of malformed pushes from a seeded generator (<see cref="MalformedPushes"/>) at the real service in-process.</summary>
public sealed class PushFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20_240_201;
    private const int Cases = 11_200; // one in ten valid: 10,080 malformed

    [Fact]
    public async Task MalformedPushesNeverGet5xxAreParkedWithAReasonAndLeaveValidOnesIntact()
    {
        await using var app = new ChatIngestApp();
        var client = app.CreateClient();
        var generator = new MalformedPushes(Seed);
        var cases = Enumerable.Range(0, Cases).Select(generator.Next).ToArray();
        var statuses = new HttpStatusCode[Cases];

        await Parallel.ForEachAsync(Enumerable.Range(0, Cases), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            using var content = new ByteArrayContent(cases[i].Body);
            content.Headers.ContentType = new("application/json");
            using var response = await client.PostAsync("/pubsub/push", content, ct);
            statuses[i] = response.StatusCode;
        });

        var wrong = Enumerable.Range(0, Cases).Where(i => statuses[i] != Expected(cases[i].Expect)).ToList();
        Assert.True(wrong.Count == 0, $"seed {Seed}: {wrong.Count} wrong answers, e.g.\n" +
            string.Join("\n", wrong.Take(5).Select(i => $"{statuses[i]} for {MalformedPushes.Describe(cases[i])}")));
        output.WriteLine($"seed {Seed}: " + string.Join(", ", cases.GroupBy(c => c.Kind).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));

        var parked = await AllDeadLettersAsync(client);
        var expectedParked = cases.Where(c => c.Expect == FuzzExpectation.Parked).Select(c => c.MessageId!).ToHashSet();
        Assert.Equal(expectedParked.Count, parked.Count);
        Assert.All(expectedParked, id => Assert.False(string.IsNullOrWhiteSpace(parked.GetValueOrDefault(id)), $"{id} is not parked with a reason"));
        output.WriteLine("reasons: " + string.Join(", ", parked.Values.GroupBy(r => r).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));

        var valid = cases.Where(c => c.Expect == FuzzExpectation.Stored).Select(c => c.OrderId!.Value).ToHashSet();
        var rows = (await client.GetJsonAsync("/conversations?limit=1000")).GetProperty("items").EnumerateArray()
            .Concat((await client.GetJsonAsync($"/conversations?limit=1000&page_token={await NextTokenAsync(client)}")).GetProperty("items").EnumerateArray())
            .ToList();
        Assert.Equal(valid.Order(), rows.Select(r => r.GetProperty("order_id").GetInt64()).Order());
        Assert.All(rows, r =>
        {
            Assert.Equal(1, r.GetProperty("num_messages_courier").GetInt64());
            Assert.Equal(0, r.GetProperty("num_messages_customer").GetInt64());
            Assert.Equal("Courier", r.GetProperty("first_message_by").GetString());
            Assert.Equal("2024-02-01T10:00:56Z", r.GetProperty("first_courier_message").GetString());
        });

        using var alive = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    private static HttpStatusCode Expected(FuzzExpectation expect) =>
        expect == FuzzExpectation.Rejected ? HttpStatusCode.BadRequest : HttpStatusCode.NoContent;

    private static async Task<string> NextTokenAsync(HttpClient client) =>
        Uri.EscapeDataString((await client.GetJsonAsync("/conversations?limit=1000")).GetProperty("next_page_token").GetString() ?? "");

    private static async Task<Dictionary<string, string?>> AllDeadLettersAsync(HttpClient client)
    {
        var parked = new Dictionary<string, string?>();
        string? token = null;
        do
        {
            var page = await client.GetJsonAsync("/dead-letters?limit=1000" + (token is null ? "" : "&page_token=" + Uri.EscapeDataString(token)));
            foreach (var item in page.GetProperty("items").EnumerateArray())
            {
                parked.Add(item.GetProperty("message_id").GetString()!, item.GetProperty("reason").GetString());
            }

            token = page.GetProperty("next_page_token").ValueKind == JsonValueKind.String ? page.GetProperty("next_page_token").GetString() : null;
        }
        while (token is not null);

        return parked;
    }
}
