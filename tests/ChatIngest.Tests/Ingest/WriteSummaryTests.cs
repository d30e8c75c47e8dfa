using ChatIngest.Core.Ingest;

namespace ChatIngest.Tests.Ingest;

public sealed class WriteSummaryTests
{
    [Fact]
    public void AReplaysTotalsGoPastTwoToTheThirtyFirstWithoutWrapping()
    {
        // A replay body has no size limit, and its answer adds up every chunk's summary.
        var total = new WriteSummary(int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue) + new WriteSummary(1, 2, 3, 4);

        Assert.Equal(new WriteSummary(2_147_483_648, 2_147_483_649, 2_147_483_650, 2_147_483_651), total);
        Assert.Equal(8_589_934_598, total.Total);
    }
}
