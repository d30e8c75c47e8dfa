using System.Net;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Reliability;

/// <summary>
/// The push body limit is Kestrel's (request-size metadata on the push group), which the in-process test server does
/// not enforce: so these run against the real service process.
/// </summary>
public sealed class KestrelLimitTests
{
    private static readonly DateTime Published = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task PushBodyOverTheLimitGets413ProblemWhileAFullSizePubSubMessageIsTaken()
    {
        var directory = TempPaths.NewDirectory();
        try
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
                var parked = (await service.Client.GetJsonAsync("/dead-letters")).GetProperty("items");
                Assert.Equal(["max-size"], parked.EnumerateArray().Select(p => p.GetProperty("message_id").GetString()));
            }
        }
        finally
        {
            TempPaths.TryDelete(directory);
        }
    }
}
