using System.Net;
using System.Text;
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
            load.AssertEveryAcknowledgedIn(stored);
            // Any push refused while stopping got 503, a nack Pub/Sub retries. Whether one arrives in that window is up to
            // timing; BackpressureTests proves the stopping answer itself.
            Assert.All(load.RefusedWith, code => Assert.Equal(HttpStatusCode.ServiceUnavailable, code));
        }
        finally
        {
            TempPaths.TryDelete(directory);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // a Content-Length body, as curl --data-binary @FILE sends: Kestrel's drain of it failed with an error log
    public async Task AReplayStillStreamingAtSigtermStoresWhatItReadAndAnswers503SayingHowFar(bool chunked)
    {
        var directory = TempPaths.NewDirectory();
        var database = Path.Combine(directory, "replay.duckdb");
        try
        {
            const string token = "shutdown-token";
            await using (var service = await ServiceProcess.StartAsync(database,
                new Dictionary<string, string> { ["Replay__Token"] = token, ["Ingest__ReplayChunkLines"] = "10" }))
            {
                // A raw connection: 300 lines of a body that is never ended, as a slow upload's: one chunk of a chunked
                // body, or the start of one whose Content-Length is far past them.
                using var client = await RawHttp.ConnectAsync(service.Address);
                var lines = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, 300).Select(i => Payloads.CourierStart(i) + "\n")));
                await client.GetStream().WriteAsync(RawHttp.UnendedReplay(service.Address, token, lines, chunked));

                // Stored in chunks of 10 while the body stays open; the last two chunks wait for more lines
                // (ReplayEndpoints classifies two ahead), so 280 means all 300 were read.
                await Wait.UntilAsync(async () => (await service.Client.GetJsonAsync("/stats")).GetProperty("conversations").GetInt64() >= 280,
                    "the lines sent were not stored");
                service.Signal(ServiceProcess.SigTerm);

                var answer = await RawHttp.ReadAnswerAsync(client.GetStream(), enough: a => a.Contains("lines,", StringComparison.Ordinal));

                Assert.StartsWith("HTTP/1.1 503", answer, StringComparison.Ordinal);
                Assert.Contains("Stopped reading after 300 lines", answer, StringComparison.Ordinal);
                var exitCode = await service.WaitForExitAsync(TimeSpan.FromMinutes(1));
                Assert.True(exitCode == 0, $"exit code {exitCode}. Output:\n{service.Output}");
                Assert.DoesNotContain("fail:", service.Output, StringComparison.Ordinal); // an orderly stop, no error logged
            }

            Assert.Equal(300, DuckDbFile.ConversationOrderIds(database).Count); // "which are stored"
        }
        finally
        {
            TempPaths.TryDelete(directory);
        }
    }
}
