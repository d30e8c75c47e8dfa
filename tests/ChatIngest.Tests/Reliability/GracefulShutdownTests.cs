using ChatIngest.Tests.Support;
using Xunit.Abstractions;

namespace ChatIngest.Tests.Reliability;

/// <summary>SIGTERM under load (what Cloud Run sends, 10 s before SIGKILL): every acknowledged row is in the file.</summary>
public sealed class GracefulShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SigtermUnderLoadExitsCleanlyWithEveryAcknowledgedRowInTheFile()
    {
        var directory = TempPaths.NewDirectory();
        var database = Path.Combine(directory, "shutdown.duckdb");
        try
        {
            PushLoad load;
            await using (var service = await ServiceProcess.StartAsync(database, new Dictionary<string, string> { ["Hosting__ShutdownTimeout"] = "00:00:09" }))
            {
                load = new PushLoad(service.Client, clients: 6);
                await load.WaitForAcknowledgedAsync(500);

                service.Signal(ServiceProcess.SigTerm);
                var exitCode = await service.WaitForExitAsync(TimeSpan.FromMinutes(1));
                await load.StoppedAsync();

                Assert.True(exitCode == 0, $"exit code {exitCode}. Output:\n{service.Output}");
                Assert.Contains("Shutting down: closed the ingest queue", service.Output, StringComparison.Ordinal);
            }

            var stored = DuckDbFile.ConversationOrderIds(database);
            output.WriteLine($"acknowledged {load.Acknowledged.Count}, refused with 503 while stopping {load.Refused}, rows in the file {stored.Count}");
            var lost = load.Acknowledged.Where(id => !stored.Contains(id)).ToList();
            Assert.True(lost.Count == 0, $"{lost.Count} of {load.Acknowledged.Count} acknowledged rows are missing, e.g. {string.Join(", ", lost.Take(5))}");
        }
        finally
        {
            TempPaths.TryDelete(directory);
        }
    }
}
