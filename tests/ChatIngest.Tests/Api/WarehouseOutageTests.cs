using System.Net;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static ChatIngest.Tests.Support.Payloads;

namespace ChatIngest.Tests.Api;

/// <summary>When the warehouse cannot take a write, nothing is acknowledged: 503 with Retry-After, so Pub/Sub retries.</summary>
public sealed class WarehouseOutageTests : IDisposable
{
    private static readonly DateTime T0 = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);
    private readonly ChatIngestApp app = new(
        new Dictionary<string, string?> { ["Ingest:CommitRetryBudget"] = "00:00:00.300", ["Ingest:RetryAfterSeconds"] = "7" },
        configureServices: FlakyWarehouse.Install);

    public void Dispose() => app.Dispose();

    [Fact]
    public async Task PushDuringAnOutageGets503WithRetryAfterAndLandsOnceRetriedAfterIt()
    {
        var client = app.CreateClient();
        var warehouse = app.Services.GetRequiredService<FlakyWarehouse>();
        var json = Chat(1, "Courier Android", "2024-02-01T10:00:00Z", true);

        warehouse.Down = true;
        using (var refused = await client.PushAsync(json, "1", T0))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
        }

        Assert.True(warehouse.FailedWrites > 1, "the writer should have retried inside its budget");
        using (var notReady = await client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        }

        warehouse.Down = false;
        using (var accepted = await client.PushAsync(json, "1", T0))
        {
            Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);
        }

        Assert.Equal(1, (await ViewReader.ReadOneAsync(client, 1)).NumMessagesCourier);
    }

    [Fact]
    public async Task ReplayDuringAnOutageGets503AndReplayingAgainAfterwardsStoresEverything()
    {
        var client = app.CreateClient();
        var warehouse = app.Services.GetRequiredService<FlakyWarehouse>();
        var body = string.Join("\n", SeedData.Lines.Take(50));

        warehouse.Down = true;
        using (var refused = await client.PostAsync("/replay", new StringContent(body)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
        }

        warehouse.Down = false;
        using var accepted = await client.PostAsync("/replay", new StringContent(body));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Contains("\"duplicates\":0", await accepted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
