using ChatIngest.Core.Warehouse.DuckDb;

namespace ChatIngest.Tests.Warehouse;

/// <summary>
/// When the DuckDB loader's interval is up (<see cref="DuckDbLoader.IntervalIsUp"/>): pushes-paced rows load after one
/// interval; a replay-paced stream, which would fill a row group within four intervals, waits for it, at most four.
/// </summary>
public sealed class LoadTimingTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private const int RowGroup = 122_880;

    [Fact]
    public void NothingLoadsBeforeOneInterval() =>
        Assert.False(DuckDbLoader.IntervalIsUp(100_000, TimeSpan.FromMilliseconds(249), Interval, RowGroup));

    [Theory]
    [InlineData(7_500, 250)] // 30,000 pushes/s
    [InlineData(30_000, 260)] // just under a row group in four intervals
    public void RowsTooSlowToFillARowGroupSoonLoadAfterOneInterval(int rows, int waitedMs) =>
        Assert.True(DuckDbLoader.IntervalIsUp(rows, TimeSpan.FromMilliseconds(waitedMs), Interval, RowGroup));

    [Theory]
    [InlineData(45_000, 250)] // 180,000 replayed lines/s: a row group in ~680 ms
    [InlineData(115_000, 900)] // on pace for a row group by 1 s
    public void AFastStreamWaitsForItsRowGroup(int rows, int waitedMs) =>
        Assert.False(DuckDbLoader.IntervalIsUp(rows, TimeSpan.FromMilliseconds(waitedMs), Interval, RowGroup));

    [Fact]
    public void AFastStreamWaitsAtMostFourIntervals() =>
        Assert.True(DuckDbLoader.IntervalIsUp(120_000, TimeSpan.FromMilliseconds(1_000), Interval, RowGroup));
}
