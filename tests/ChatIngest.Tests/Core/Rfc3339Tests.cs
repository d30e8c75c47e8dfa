using ChatIngest.Core.Messages;

namespace ChatIngest.Tests.Core;

public sealed class Rfc3339Tests
{
    [Theory]
    [InlineData("2024-02-01T10:00:56Z", "2024-02-01T10:00:56.0000000")]
    [InlineData("2024-02-01t10:00:56z", "2024-02-01T10:00:56.0000000")]
    [InlineData("2024-02-01T12:00:56+02:00", "2024-02-01T10:00:56.0000000")]
    [InlineData("2024-02-01T05:30:56-04:30", "2024-02-01T10:00:56.0000000")]
    [InlineData("2024-02-01T10:00:56.5Z", "2024-02-01T10:00:56.5000000")]
    [InlineData("2024-02-01T10:00:56.123456789Z", "2024-02-01T10:00:56.1234560")]
    [InlineData("2024-03-01T00:30:00+01:00", "2024-02-29T23:30:00.0000000")]
    [InlineData("2024-02-01 10:00:56.123456789012345678Z", "2024-02-01T10:00:56.1234560")]
    [InlineData("0001-01-01T00:00:00-01:00", "0001-01-01T01:00:00.0000000")]
    [InlineData("2024-02-01T10:00:56.1234567890123456789012345678901234567890Z", "2024-02-01T10:00:56.1234560")] // RFC 3339: 1*DIGIT
    [InlineData("2016-12-31T23:59:60Z", "2016-12-31T23:59:59.9999990")] // a leap second: the last microsecond of its minute
    [InlineData("2016-12-31T15:59:60.5-08:00", "2016-12-31T23:59:59.9999990")]
    [InlineData("1991-01-01T05:29:60+05:30", "1990-12-31T23:59:59.9999990")] // 23:59:60 UTC, in a zone of half hours
    [InlineData("1991-01-01T05:44:60+05:45", "1990-12-31T23:59:59.9999990")]
    public void ValidTimestampsBecomeUtcTruncatedToMicroseconds(string text, string utc)
    {
        Assert.True(Rfc3339.TryParseUtc(text, out var value));
        Assert.Equal(DateTimeKind.Utc, value.Kind);
        Assert.Equal(utc, value.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("2024-02-01T10:00:56")]
    [InlineData("2024-02-01 10:00")]
    [InlineData("2024-02-30T10:00:00Z")]
    [InlineData("2023-02-29T10:00:00Z")]
    [InlineData("2024-02-01T24:00:00Z")]
    [InlineData("2024-02-01T10:00:60Z")]
    [InlineData("2024-02-01T10:00:00+24:00")]
    [InlineData("2024-02-01T10:00:00.Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("1706781656")]
    [InlineData("")]
    [InlineData("2024-02-01T10:00:56Z\n")]
    [InlineData("2024-02-01T10:00:56Zx")]
    [InlineData("2024-02-01T10:00:56+01:00:00")]
    [InlineData("2024-02-01T10:00:56+1:00")]
    [InlineData("2024-02-01T10:59:61Z")]
    [InlineData("2024-02-01T10:59:60Z")] // second 60 only ends a UTC day
    [InlineData("2016-12-31T23:59:60+01:00")]
    [InlineData("\u0662\u0660\u0662\u0664-02-01T10:00:56Z")] // Arabic-Indic digits are digits, but not ASCII ones
    [InlineData("2024-02-01X10:00:56Z")]
    public void MalformedTimestampsAreRefused(string text) => Assert.False(Rfc3339.TryParseUtc(text, out _));

    [Theory]
    [InlineData("2024-02-01T10:00:56.1234561Z", "2024-02-01T10:00:56.1234570")]
    [InlineData("2024-02-01T10:00:56.9999990001Z", "2024-02-01T10:00:57.0000000")]
    [InlineData("2024-02-01T10:00:56.1234560000Z", "2024-02-01T10:00:56.1234560")] // nothing past the microsecond
    [InlineData("2024-02-01T10:00:56Z", "2024-02-01T10:00:56.0000000")]
    public void BoundsBetweenTwoMicrosecondsRoundUpToTheLater(string text, string utc)
    {
        Assert.True(Rfc3339.TryParseUtcRoundingUp(text, out var value));
        Assert.Equal(utc, value.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59.9999999Z")] // rounds up past DateTime's last tick
    [InlineData("9999-12-31T23:59:59.9999999+00:00")]
    public void ABoundThatRoundsUpPastTheLastInstantIsRefusedNotThrown(string text) =>
        Assert.False(Rfc3339.TryParseUtcRoundingUp(text, out _));

    [Fact]
    public void FormatWritesUtcWithZAndOnlyTheFractionThereIs()
    {
        Assert.Equal("2024-02-01T10:00:56Z", Rfc3339.Format(new DateTime(2024, 2, 1, 10, 0, 56, DateTimeKind.Utc)));
        Assert.Equal("2024-02-01T10:00:56.25Z", Rfc3339.Format(new DateTime(2024, 2, 1, 10, 0, 56, 250, DateTimeKind.Utc)));
    }
}
