using ChatIngest.Cli.Tests.Support;

namespace ChatIngest.Cli.Tests.Generate;

public sealed class GenerateOptionRangeTests
{
    [Theory]
    [InlineData("--start must be from 1970-01-01T00:00:00Z to 9000-01-01T00:00:00Z, not 9999-12-31T23:59:00Z.", "--start", "9999-12-31T23:59:00Z")]
    [InlineData("--start '2024-02-01' is not an RFC 3339 time with a zone, e.g. 2024-02-01T10:00:00Z.", "--start", "2024-02-01")]
    [InlineData("--start '2024-02-01T10:00:00' is not an RFC 3339 time with a zone, e.g. 2024-02-01T10:00:00Z.", "--start", "2024-02-01T10:00:00")]
    [InlineData("--start '02/03/2024' is not an RFC 3339 time with a zone, e.g. 2024-02-01T10:00:00Z.", "--start", "02/03/2024")]
    [InlineData("--shuffle must be a number from 0 to 100,000, not '2000000000'.", "--shuffle", "2000000000")]
    [InlineData("--duplicates must be a number from 0 to 1, not 'NaN'.", "--duplicates", "NaN")]
    public async Task AValueGenerateCannotUseIsAUsageErrorThatSaysTheRange(string error, string option, string value)
    {
        var result = await CliRun.RunAsync(["generate", "-n", "100", option, value]);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Equal([error, "Run 'generate --help' for its options and examples."], result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task AStartAtTheLatestAllowedTimeIsTakenAndGenerates()
    {
        var result = await CliRun.GenerateAsync("-n", "100", "--start", "9000-01-01T00:00:00+00:00");

        Assert.Equal(100, new GeneratedData(result.StdoutLines).Conversations.Count);
    }

    [Fact]
    public async Task OutDashWritesToStdoutAsLeavingOutDoes()
    {
        var toDash = await CliRun.GenerateAsync("-n", "20", "--seed", "5", "-o", "-");
        var toStdout = await CliRun.GenerateAsync("-n", "20", "--seed", "5");

        Assert.NotEmpty(toDash.Stdout);
        Assert.Equal(toStdout.Stdout, toDash.Stdout);
        Assert.False(File.Exists("-"));
    }
}
