using ChatIngest.Core;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Tests.Core;

/// <summary>A setting out of its range is named as a user writes it, with its range and the value given.</summary>
public sealed class SettingsValidatorTests
{
    [Fact]
    public void ANumberOutOfRangeIsOneLineNamingTheSettingItsRangeAndItsValue()
    {
        var result = new SettingsValidator<IngestOptions>("Ingest").Validate(null, new IngestOptions { QueueCapacity = 0 });

        Assert.True(result.Failed);
        Assert.Equal("Ingest__QueueCapacity must be between 1 and 1000000; it is 0.", result.FailureMessage);
    }

    [Fact]
    public void ATimeOutOfRangeIsWrittenAsItIsSet()
    {
        var result = new SettingsValidator<IngestOptions>("Ingest").Validate(null, new IngestOptions { CommitRetryBudget = TimeSpan.FromMinutes(11) });

        Assert.Equal("Ingest__CommitRetryBudget must be between 00:00:00.0100000 and 00:10:00; it is 00:11:00.", result.FailureMessage);
    }

    [Fact]
    public void EachSettingOutOfRangeIsNamed()
    {
        var result = new SettingsValidator<IngestOptions>("Ingest").Validate(null, new IngestOptions { QueueCapacity = 0, RetryAfterSeconds = 601 });

        Assert.Equal(
            ["Ingest__QueueCapacity must be between 1 and 1000000; it is 0.", "Ingest__RetryAfterSeconds must be between 1 and 600; it is 601."],
            result.Failures!.Order(StringComparer.Ordinal));
    }
}
