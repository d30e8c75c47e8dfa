using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Reliability;

/// <summary>A bad hardening setting stops the real process at start with one line naming the key.</summary>
public sealed class StartupSettingsTests
{
    [Theory]
    [InlineData("Hosting__ShutdownTimeout", "soon", "Hosting__ShutdownTimeout")]
    [InlineData("PushAuth__Audience", "https://chatingest.test/pubsub/push", "PushAuth__ServiceAccountEmail")]
    public async Task BadSettingStopsStartupNamingTheKey(string key, string value, string named)
    {
        var directory = TempPaths.NewDirectory();
        try
        {
            var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                ServiceProcess.StartAsync(Path.Combine(directory, "settings.duckdb"), new Dictionary<string, string> { [key] = value }));

            Assert.Contains("exited with 2", failure.Message, StringComparison.Ordinal);
            Assert.Contains(named, failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            TempPaths.TryDelete(directory);
        }
    }
}
