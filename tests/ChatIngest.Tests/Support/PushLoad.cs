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
    private readonly ConcurrentDictionary<HttpStatusCode, int> refusedWith = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task[] clients;
    private int refused;

    public PushLoad(HttpClient client, int clients)
    {
        var published = DateTime.UtcNow;
        this.clients = Enumerable.Range(0, clients).Select(c => Task.Run(() => RunAsync(client, c, published))).ToArray();
    }

    public IReadOnlyCollection<long> Acknowledged => acknowledged;

    /// <summary>Pushes answered anything but 204 (503 while stopping, or while the disk is full): Pub/Sub would redeliver them.</summary>
    public int Refused => refused;

    /// <summary>The status codes of the refused pushes, each once.</summary>
    public IReadOnlyCollection<HttpStatusCode> RefusedWith => [.. refusedWith.Keys];

    /// <summary>Fails, naming a few, when the row of an acknowledged push is not among <paramref name="stored"/>.</summary>
    public void AssertEveryAcknowledgedIn(IReadOnlySet<long> stored, string when = "")
    {
        var lost = acknowledged.Where(id => !stored.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {acknowledged.Count} acknowledged rows are missing{when}, e.g. {string.Join(", ", lost.Take(5))}");
    }

    public Task WaitForAcknowledgedAsync(int count) => WaitForAsync(() => acknowledged.Count, count, "acknowledged");

    public Task WaitForRefusedAsync(int count) => WaitForAsync(() => Volatile.Read(ref refused), count, "refused");

    private async Task WaitForAsync(Func<int> counted, int count, string what)
    {
        for (var i = 0; i < 6000 && counted() < count; i++)
        {
            Assert.False(clients.All(c => c.IsCompleted), "every load client stopped early");
            await Task.Delay(10);
        }

        Assert.True(counted() >= count, $"only {counted()} pushes were {what} in a minute");
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
                    refusedWith.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
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
