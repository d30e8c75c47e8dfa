using System.Net;
using ChatIngest.Tests.Support;
using Xunit.Abstractions;

namespace ChatIngest.Tests.Reliability;

/// <summary>SIGKILL in the middle of sustained push load, then a restart on the same file.</summary>
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillDashNineUnderLoadLosesNoAcknowledgedRowAndTheRestartedViewIsRight()
    {
        var directory = TempPaths.NewDirectory();
        var database = Path.Combine(directory, "crash.duckdb");
        try
        {
            PushLoad load;
            await using (var service = await ServiceProcess.StartAsync(database))
            {
                load = new PushLoad(service.Client, clients: 8);
                await load.WaitForAcknowledgedAsync(1000);

                service.Signal(ServiceProcess.SigKill);
                await service.WaitForExitAsync(TimeSpan.FromMinutes(1));
                await load.StoppedAsync();
            }

            int viewRows;
            await using (var restarted = await ServiceProcess.StartAsync(database))
            {
                using (var ready = await restarted.Client.GetAsync("/readyz"))
                {
                    Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
                }

                var rows = (await ViewReader.ReadAllAsync(restarted.Client)).ToDictionary(r => r.OrderId);
                viewRows = rows.Count;
                output.WriteLine($"acknowledged {load.Acknowledged.Count} before SIGKILL, view rows after restart {viewRows}");
                load.AssertEveryAcknowledgedIn(rows.Keys.ToHashSet(), " after the crash");
                foreach (var (orderId, row) in rows)
                {
                    // Every pushed message was a courier's first and only message of its own order (Payloads.CourierStart).
                    var firstCourier = new DateTime(2024, 2, 1, 10, 0, 56, DateTimeKind.Utc);
                    Assert.True(row is { NumMessagesCourier: 1, NumMessagesCustomer: 0, FirstMessageBy: "Courier" } && row.FirstCourierMessage == firstCourier, $"order {orderId}: {row}");
                }

                var one = load.Acknowledged.Max();
                var single = await restarted.Client.GetJsonAsync($"/conversations/{one}");
                Assert.Equal(one, single.GetProperty("order_id").GetInt64());

                restarted.Signal(ServiceProcess.SigTerm);
                Assert.Equal(0, await restarted.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            }

            Assert.Equal(viewRows, DuckDbFile.ConversationOrderIds(database).Count);
        }
        finally
        {
            TempPaths.TryDelete(directory);
        }
    }
}
