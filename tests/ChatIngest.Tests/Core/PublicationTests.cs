using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;

namespace ChatIngest.Tests.Core;

public sealed class PublicationTests
{
    private static readonly DateTime T = new(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("9", "10", -1)]
    [InlineData("10", "9", 1)]
    [InlineData("007", "7", -1)] // equal as numbers: the ids as strings settle it, so the order is total
    [InlineData("7", "7", 0)]
    [InlineData("2070443601311540", "2070443601311541", -1)]
    [InlineData("123456789012345678901234567890", "99", 1)]
    [InlineData("1000000000000000000000000000000000000000", "999999999999999999999999999999999999999", 1)]
    [InlineData("abc", "abd", -1)]
    [InlineData("1e3", "1001", 1)] // not all digits, so not a number
    [InlineData("+x", "5", 1)] // all-digit ids come first, although "+x" < "5" as strings
    [InlineData("10", "9a", -1)]
    [InlineData("a\uFF5E", "a\U0001F69A", -1)] // by code point, as the views' SQL compares (UTF-8 bytes), not by UTF-16 unit
    [InlineData("\U0001F69A", "\uE000", 1)]
    public void MessageIdsCompareAsNumbersWhenBothAreNumericAndNumbersComeFirst(string a, string b, int sign) =>
        Assert.Equal(sign, Math.Sign(Publication.CompareMessageIds(a, b)));

    [Fact]
    public void MessageIdOrderIsTotalWhereThePairwiseRuleCyclesWhenBothKindsMeet()
    {
        // As numbers "9" < "10"; as strings "10" < "1a" and "1a" < "9": a cycle under the pairwise rule alone.
        string[] ids = ["1a", "10", "9", "007", "7", "+x"];
        var sorted = ids.Order(Comparer<string>.Create(Publication.CompareMessageIds)).ToList();

        Assert.Equal(["007", "7", "9", "10", "+x", "1a"], sorted);
        foreach (var a in ids)
        {
            foreach (var b in ids)
            {
                Assert.Equal(-Math.Sign(Publication.CompareMessageIds(b, a)), Math.Sign(Publication.CompareMessageIds(a, b)));
            }
        }
    }

    [Fact]
    public void IdsThatAreNotNumbersSortAsDuckDbSortsThem()
    {
        // The view's SQL breaks ties between such ids by comparing the strings; the writer's in-batch choice must agree.
        string[] ids = ["b", "a\uFF5E", "a\U0001F69A", "a\uE000", "aZ", "a", "\u00e9", "x\U0001F600y", "x\uFFFDy", "A"];
        using var duckDb = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:");
        duckDb.Open();
        using var command = duckDb.CreateCommand();
        command.CommandText = "SELECT id FROM (SELECT unnest($ids) AS id) ORDER BY id";
        command.Parameters.Add(new DuckDB.NET.Data.DuckDBParameter("ids", ids));
        var bySql = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                bySql.Add(reader.GetString(0));
            }
        }

        Assert.Equal(bySql, ids.Order(Comparer<string>.Create(Publication.CompareMessageIds)));
    }

    [Fact]
    public void EarlierPublishTimeComesFirstWhateverTheId() =>
        Assert.True(Publication.Compare(new Delivery("99", T, T), new Delivery("1", T.AddTicks(10), T)) < 0);
}
