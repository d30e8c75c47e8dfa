using ChatIngest.Core.Warehouse.BigQuery;

namespace ChatIngest.Tests.BigQuery;

public sealed class BigQueryValuesTests
{
    [Theory]
    [InlineData("1706781656000000", "2024-02-01T10:00:56.0000000Z")]
    [InlineData("1706781656123456", "2024-02-01T10:00:56.1234560Z")]
    [InlineData("1.7E9", "2023-11-14T22:13:20.0000000Z")]
    [InlineData("1.706781656123456E9", "2024-02-01T10:00:56.1234560Z")]
    [InlineData("1706781656.5", "2024-02-01T10:00:56.5000000Z")]
    [InlineData("-1000000", "1969-12-31T23:59:59.0000000Z")]
    [InlineData("0", "1970-01-01T00:00:00.0000000Z")]
    public void TimestampDecodesFromMicrosecondsAndFloatSeconds(string text, string expected) =>
        Assert.Equal(expected, BigQueryValues.Timestamp(text).ToString("O", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Int64DecodesExactlyBeyondTwoToThe53() =>
        Assert.Equal([9007199254740993L, long.MinValue], new[] { "9007199254740993", "-9223372036854775808" }.Select(BigQueryValues.Int64));

    [Fact]
    public void Float64DecodesBigQuerysSpecialValues() =>
        Assert.Equal([double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1.5e-7], new[] { "NaN", "Infinity", "-Infinity", "1.5E-7" }.Select(BigQueryValues.Float64));

    [Fact]
    public void TimestampOutsideTheRangeOfDateTimeIsAnError() =>
        Assert.Throws<FormatException>(() => BigQueryValues.Timestamp("9.9E15"));
}
