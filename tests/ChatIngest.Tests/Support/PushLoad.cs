using System.Collections.Concurrent;
using System.Net;

namespace ChatIngest.Tests.Support;

/// <summary>
/// Several clients pushing distinct chat messages (one order id each) as fast as the service answers, keeping the
/// order id of every push answered 204 — the ones Pub/Sub would consider delivered and never send again.
/// A client stops at its first connection failure (the service stopped or died) or when told to.
/// </summary>
public sealed class PushLoad
{
    private readonly ConcurrentBag<long> acknowledged = [];
    private readonly CancellationTokenSource stop = new();
    private readonly Task[] clients;
    private int refused;

    public PushLoad(HttpClient client, int clients)
    {
        var published = DateTime.UtcNow;
        this.clients = Enumerable.Range(0, clients).Select(c => Task.Run(() => RunAsync(client, c, published))).ToArray();
    }

    public IReadOnlyCollection<long> Acknowledged => acknowledged;

    /// <summary>Pushes answered 503 (refused while stopping): not acknowledged, Pub/Sub would redeliver them.</summary>
    public int Refused => refused;

    public async Task WaitForAcknowledgedAsync(int count)
    {
        for (var i = 0; i < 6000 && acknowledged.Count < count; i++)
        {
            Assert.False(clients.All(c => c.IsCompleted), "every load client stopped early");
            await Task.Delay(10);
        }

        Assert.True(acknowledged.Count >= count, $"only {acknowledged.Count} pushes were acknowledged in a minute");
    }

    /// <summary>Waits for every client to stop by itself (the service went away), telling them to after a minute.</summary>
    public async Task StoppedAsync()
    {
        stop.CancelAfter(TimeSpan.FromMinutes(1));
        await Task.WhenAll(clients);
    }

    private async Task RunAsync(HttpClient client, int clientIndex, DateTime published)
    {
        for (long i = 1; !stop.IsCancellationRequested; i++)
        {
            var orderId = ((clientIndex + 1) * 10_000_000L) + i;
            try
            {
                using var response = await client.PushAsync(Payloads.CourierStart(orderId), $"load-{orderId}", published);
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    acknowledged.Add(orderId);
                }
                else
                {
                    Interlocked.Increment(ref refused);
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                return;
            }
        }
    }
}
