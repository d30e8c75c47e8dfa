using System.Globalization;
using ChatIngest.Core.Warehouse;
using DuckDB.NET.Data;

namespace ChatIngest.Bench.Load;

/// <summary>
/// <c>checkpoints &lt;db&gt; &lt;chat rows per checkpoint&gt; &lt;chat rows&gt; [orders per 18] [order rows per
/// checkpoint]</c>: how much a DuckDB checkpoint adds to the process's resident memory, against how many rows came
/// since the last one. It loads rows as the service's loader does under steady push load: into ChatIngest's tables,
/// with DuckDB's Appender, 8,500 rows per transaction (a 250 ms load at ~34k pushes/s), values of the benchmark's
/// sizes, and two order events to seven chat messages (the benchmark's mix, at the fixed positions the ninth round's
/// table was measured with) or, when given, <c>orders per 18</c> order events in every 18 rows, spread evenly as
/// <c>bench/push.lua</c> spreads them. Every <c>chat rows per checkpoint</c> chat messages, or <c>order rows per
/// checkpoint</c> order events, whichever comes first, it checkpoints as the loader does: on one DuckDB thread, with
/// DuckDB's cache dropped before and after. For each checkpoint it prints where the tables' last row groups stood and
/// how far resident memory rose during it (<c>VmHWM</c>, reset through <c>/proc/self/clear_refs</c>), then the largest
/// rise and the highest resident memory during a checkpoint.
/// </summary>
internal static class CheckpointProbe
{
    private const int LoadRows = 8_500;
    private const int RowGroupRows = 122_880;

    public static void Run(string db, int chatRowsPerCheckpoint, int chatRows, int? ordersPer18, int orderRowsPerCheckpoint)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ordersPer18 ?? 0, 17);
        foreach (var file in new[] { db, db + ".wal" }.Where(File.Exists))
        {
            File.Delete(file);
        }

        using var connection = Db.Open(db);
        Db.Execute(connection, SqlScripts.Load("duckdb/tables.sql"));
        Db.Execute(connection, "SET checkpoint_threshold = '16GB'"); // only this probe's checkpoints
        var limit = ((string)Db.Scalar(connection, "SELECT current_setting('memory_limit')")!).Replace("'", "", StringComparison.Ordinal);
        var random = new Random(7);
        var key = new byte[16];
        var start = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        long chats = 0, orders = 0, sinceCheckpoint = 0, ordersSinceCheckpoint = 0, largestRise = 0, peak = 0;
        Console.WriteLine("chats_in_last_row_group orders_in_last_row_group rise_mb");
        while (chats < chatRows)
        {
            using (var transaction = connection.BeginTransaction())
            {
                using var orderAppender = connection.CreateAppender("orders");
                using var chatAppender = connection.CreateAppender("conversations");
                for (var i = 0; i < LoadRows; i++)
                {
                    random.NextBytes(key);
                    var contentKey = Convert.ToHexStringLower(key);
                    var messageId = random.NextInt64(10_000_000_000_000_000, 99_999_999_999_999_999).ToString(CultureInfo.InvariantCulture);
                    var at = start.AddMilliseconds(chats + orders);
                    var orderId = 100_000_000_000 + ((chats + orders) / 5);
                    var row = chats + orders;
                    if (ordersPer18 is { } k ? (row + 1) * k / 18 > row * k / 18 : i % 9 is 0 or 4)
                    {
                        orderAppender.CreateRow()
                            .AppendValue(contentKey).AppendValue(orderId).AppendValue(i % 2 == 0 ? "IST" : "BCN")
                            .AppendValue(messageId).AppendValue(at).AppendValue(at)
                            .EndRow();
                        orders++;
                        ordersSinceCheckpoint++;
                        continue;
                    }

                    var courier = i % 2 == 0;
                    chatAppender.CreateRow()
                        .AppendValue(contentKey).AppendValue(orderId).AppendValue(courier ? "Courier Android" : "Customer iOS")
                        .AppendValue(courier ? "Courier" : "Customer").AppendValue(at).AppendValue(i % 5 == 0)
                        .AppendValue(i % 3 == 0 ? "ACCEPTED" : "IN_PROGRESS")
                        .AppendValue(random.NextInt64(1, 100_000_000)).AppendValue(random.NextInt64(1, 100_000_000))
                        .AppendValue(random.NextInt64(1, 100_000_000)).AppendValue(random.NextInt64(1, 100_000_000))
                        .AppendValue(messageId).AppendValue(at).AppendValue(at)
                        .EndRow();
                    chats++;
                    sinceCheckpoint++;
                }

                orderAppender.Close();
                chatAppender.Close();
                transaction.Commit();
            }

            if (sinceCheckpoint < chatRowsPerCheckpoint && ordersSinceCheckpoint < orderRowsPerCheckpoint)
            {
                continue;
            }

            sinceCheckpoint = 0;
            ordersSinceCheckpoint = 0;
            Trim(connection, limit);
            var before = StatusKb("VmRSS:");
            File.WriteAllText("/proc/self/clear_refs", "5"); // VmHWM := VmRSS
            Db.Execute(connection, "SET threads = 1");
            Db.Execute(connection, "CHECKPOINT");
            Db.Execute(connection, "RESET threads");
            var during = StatusKb("VmHWM:");
            var rise = (during - before) / 1024;
            peak = Math.Max(peak, during / 1024);
            largestRise = Math.Max(largestRise, rise);
            Trim(connection, limit);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{chats % RowGroupRows} {orders % RowGroupRows} {rise}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"chat_rows_per_checkpoint={chatRowsPerCheckpoint} order_rows_per_checkpoint={orderRowsPerCheckpoint} orders_per_18={ordersPer18?.ToString(CultureInfo.InvariantCulture) ?? "4 (fixed)"} chat_rows={chats} order_rows={orders} largest_rise_mb={largestRise} peak_during_checkpoints_mb={peak}"));
    }

    private static void Trim(DuckDBConnection connection, string limit)
    {
        Db.Execute(connection, "SET memory_limit = '8MB'");
        Db.Execute(connection, $"SET memory_limit = '{limit}'");
    }

    /// <summary>Linux only: the probe reads and resets the process's peak through <c>/proc/self</c>.</summary>
    private static long StatusKb(string field) =>
        Db.StatusKb(field) ?? throw new PlatformNotSupportedException("The checkpoints probe needs Linux's /proc/self/status.");
}
