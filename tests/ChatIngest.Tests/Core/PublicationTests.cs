using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;

namespace ChatIngest.Tests.Core;

public sealed class PublicationTests
{
    private static readonly DateTime T = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("9", "10", -1)]
    [InlineData("10", "9", 1)]
    [InlineData("007", "7", 0)]
    [InlineData("2070443601311540", "2070443601311541", -1)]
    [InlineData("123456789012345678901234567890", "99", 1)]
    [InlineData("abc", "abd", -1)]
    [InlineData("10", "9a", -1)] // not both numeric: as strings
    public void MessageIdsCompareAsNumbersWhenBothAreNumeric(string a, string b, int sign) =>
        Assert.Equal(sign, Math.Sign(Publication.CompareMessageIds(a, b)));

    [Fact]
    public void EarlierPublishTimeComesFirstWhateverTheId() =>
        Assert.True(Publication.Compare(new Delivery("99", T, T), new Delivery("1", T.AddTicks(10), T)) < 0);
}
