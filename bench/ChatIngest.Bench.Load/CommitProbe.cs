using System.Diagnostics;
using System.Globalization;
using System.Text;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.DuckDb;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatIngest.Bench.Load;

/// <summary>
/// <c>commits &lt;db&gt; &lt;rows per commit&gt; &lt;commits&gt;</c>: the warehouse write path alone (no HTTP), to see what one
/// group commit costs at a given batch size.
/// </summary>
internal static class CommitProbe
{
    public static void Run(string db, int batchRows, int commits)
    {
        using var warehouse = new DuckDbWarehouse(Options.Create(new WarehouseOptions { DuckDbPath = db }), TimeProvider.System, NullLogger<DuckDbWarehouse>.Instance);
        warehouse.InitializeAsync(CancellationToken.None).GetAwaiter().GetResult();
        var classifier = new PayloadClassifier();
        var now = DateTime.UtcNow;
        long next = 0;
        IngestRecord Record()
        {
            next++;
            var json = next % 9 is 0 or 4
                ? $"{{\"orderId\": {next}, \"cityCode\": \"IST\"}}"
                : $"{{\"senderAppType\": \"Courier Android\", \"courierId\": 1, \"fromId\": 1, \"toId\": 2, \"chatStartedByMessage\": true, \"orderId\": {next}, \"orderStage\": \"IN_PROGRESS\", \"customerId\": 2, \"messageSentTime\": \"2024-02-01T10:00:56Z\"}}";
            return classifier.Classify(Encoding.UTF8.GetBytes(json), new Delivery(next.ToString(CultureInfo.InvariantCulture), now, now));
        }

        for (var i = 0; i < 200; i++)
        {
            warehouse.WriteAsync([Record()], CancellationToken.None).GetAwaiter().GetResult(); // warm-up: JIT, buffers
        }

        var times = new List<double>(commits);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < commits; i++)
        {
            var batch = Enumerable.Range(0, batchRows).Select(_ => Record()).ToList();
            var clock = Stopwatch.StartNew();
            warehouse.WriteAsync(batch, CancellationToken.None).GetAwaiter().GetResult();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds;
        times.Sort();
        var total = times.Sum();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rows/commit={batchRows} commits={commits} mean_ms={total / commits:F2} p50_ms={times[commits / 2]:F2} p99_ms={times[commits * 99 / 100]:F2} max_ms={times[^1]:F1} rows_per_s={batchRows * commits / (total / 1000):F0} cpu_ms_per_commit={cpuMs / commits:F2}"));
    }
}
