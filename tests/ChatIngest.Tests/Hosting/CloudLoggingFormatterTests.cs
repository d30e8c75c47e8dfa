using System.Text.Json;
using ChatIngest.Api.Hosting;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChatIngest.Tests.Hosting;

/// <summary>
/// The image's console logs (<c>Logging__Console__FormatterName=cloudlogging</c>): Cloud Run makes each line of output
/// one log entry, and reads a line that is a JSON object as a structured one, with its <c>severity</c> and <c>message</c>.
/// </summary>
public sealed class CloudLoggingFormatterTests
{
    private static readonly Action<ILogger, string, long, Exception?> Refused =
        LoggerMessage.Define<string, long>(LogLevel.Warning, new EventId(301, "Refused"), "Refused {MessageId} of order {OrderId}");

    private static readonly Action<ILogger, string, string, string, Exception?> NamedLikeFields =
        LoggerMessage.Define<string, string, string>(LogLevel.Information, new EventId(1), "{Severity} {Message} {Time}");

    [Fact]
    public void ALogLineIsOneJsonObjectWithItsSeverityMessageTimeAndEachHoleAsAField()
    {
        var (logger, output) = Logger();

        Refused(logger, "m-1", 9_007_199_254_740_993, null); // 2^53 + 1: a double would make it ...992

        var line = JsonDocument.Parse(Assert.Single(Lines(output))).RootElement;
        Assert.Equal("WARNING", line.GetProperty("severity").GetString());
        Assert.Equal("Refused m-1 of order 9007199254740993", line.GetProperty("message").GetString());
        Assert.Equal("m-1", line.GetProperty("MessageId").GetString());
        Assert.Equal("9007199254740993", line.GetProperty("OrderId").GetString());
        Assert.Equal(301, line.GetProperty("eventId").GetInt32());
        Assert.Equal("Tests.Category", line.GetProperty("category").GetString());
        Assert.Equal("2024-02-01T10:00:00.1234567Z", line.GetProperty("time").GetString()); // the service's clock, RFC 3339 in UTC
        Assert.False(line.TryGetProperty("{OriginalFormat}", out _)); // the template is the message already
    }

    [Fact]
    public void AnIntegerJsonKeepsExactlyIsWrittenAsANumber()
    {
        var (logger, output) = Logger();

        Refused(logger, "m-2", 42, null);

        var line = JsonDocument.Parse(Assert.Single(Lines(output))).RootElement;
        Assert.Equal(JsonValueKind.Number, line.GetProperty("OrderId").ValueKind);
        Assert.Equal(42, line.GetProperty("OrderId").GetInt64());
    }

    [Fact]
    public void AnExceptionIsInItsLinesMessageWithItsStackTraceNotOnLinesOfItsOwn()
    {
        var (logger, output) = Logger();
        Exception thrown;
        try
        {
            throw new InvalidOperationException("the disk said no\nsecond line");
        }
        catch (InvalidOperationException e)
        {
            thrown = e;
        }

        logger.LogError(thrown, "The load of {Rows} rows failed", 12);

        var line = JsonDocument.Parse(Assert.Single(Lines(output))).RootElement;
        Assert.Equal("ERROR", line.GetProperty("severity").GetString());
        var message = line.GetProperty("message").GetString()!;
        Assert.StartsWith("The load of 12 rows failed\nSystem.InvalidOperationException: the disk said no\nsecond line", message, StringComparison.Ordinal);
        Assert.Contains(nameof(AnExceptionIsInItsLinesMessageWithItsStackTraceNotOnLinesOfItsOwn), message, StringComparison.Ordinal); // the stack trace
    }

    [Fact]
    public void AHoleNamedLikeAFieldOfTheLineKeepsItsValueUnderAnotherNameAndTheLineItsOwn()
    {
        var (logger, output) = Logger();

        NamedLikeFields(logger, "low", "hello", "noon", null);

        var text = Assert.Single(Lines(output));
        var line = JsonDocument.Parse(text).RootElement;
        Assert.Equal("INFO", line.GetProperty("severity").GetString());
        Assert.Equal("low hello noon", line.GetProperty("message").GetString());
        Assert.Equal(("low", "hello", "noon"),
            (line.GetProperty("field.Severity").GetString(), line.GetProperty("field.Message").GetString(), line.GetProperty("field.Time").GetString()));
        var names = line.EnumerateObject().Select(p => p.Name.ToUpperInvariant()).ToList();
        Assert.Equal(names.Count, names.Distinct().Count()); // no name twice, in any case
    }

    [Theory]
    [InlineData("01", true)]
    [InlineData("00", false)]
    public void ALineLoggedWithinARequestCarriesItsTraceForCloudLoggingToTieItToTheRequest(string flags, bool sampled)
    {
        var (logger, output) = Logger(project: "demo-project");
        using var request = new System.Diagnostics.Activity("request")
            .SetParentId($"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-{flags}") // as Cloud Run's traceparent
            .Start();
        using var inner = new System.Diagnostics.Activity("a call the request makes").Start(); // a span of this process's own

        Refused(logger, "m-3", 3, null);

        var line = JsonDocument.Parse(Assert.Single(Lines(output))).RootElement;
        Assert.Equal("projects/demo-project/traces/4bf92f3577b34da6a3ce929d0e0e4736", line.GetProperty("logging.googleapis.com/trace").GetString());
        // Cloud Run's span, which Cloud Trace has; this process exports none of its own.
        Assert.Equal("00f067aa0ba902b7", line.GetProperty("logging.googleapis.com/spanId").GetString());
        Assert.Equal(sampled, line.GetProperty("logging.googleapis.com/trace_sampled").GetBoolean());
    }

    [Fact]
    public void WithoutAProjectARequestOrItsTraceparentALineCarriesNoTrace()
    {
        var (noProject, first) = Logger(project: null);
        using (new System.Diagnostics.Activity("request").SetParentId("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").Start())
        {
            Refused(noProject, "m-4", 4, null);
        }

        var (noRequest, second) = Logger(project: "demo-project");
        Refused(noRequest, "m-5", 5, null);

        // A request that came without a traceparent: the trace its activity made up here is in no other record.
        var (noTraceparent, third) = Logger(project: "demo-project");
        using (new System.Diagnostics.Activity("request").Start())
        {
            Refused(noTraceparent, "m-6", 6, null);
        }

        var lines = Lines(first).Concat(Lines(second)).Concat(Lines(third)).ToList();
        Assert.Equal(3, lines.Count);
        Assert.All(lines, l =>
            Assert.False(JsonDocument.Parse(l).RootElement.TryGetProperty("logging.googleapis.com/trace", out _)));
    }

    [Theory]
    [InlineData(LogLevel.Trace, "DEBUG")]
    [InlineData(LogLevel.Debug, "DEBUG")]
    [InlineData(LogLevel.Information, "INFO")]
    [InlineData(LogLevel.Warning, "WARNING")]
    [InlineData(LogLevel.Error, "ERROR")]
    [InlineData(LogLevel.Critical, "CRITICAL")]
    public void EachLevelHasCloudLoggingsSeverityOfItsName(LogLevel level, string severity)
    {
        var (logger, output) = Logger();

        logger.Log(level, "x");

        Assert.Equal(severity, JsonDocument.Parse(Assert.Single(Lines(output))).RootElement.GetProperty("severity").GetString());
    }

    [Fact]
    public async Task TheImagesServiceWritesEveryLineOfItsLogAsOneJsonObject()
    {
        // The setting as the Dockerfile gives it to the image, so that the image and this test cannot part ways.
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(TempPaths.RepositoryRoot(), "Dockerfile"));
        var setting = System.Text.RegularExpressions.Regex.Match(dockerfile, @"Logging__Console__FormatterName=(\S+)");
        Assert.True(setting.Success, "the Dockerfile sets no Logging__Console__FormatterName");
        var directory = TempPaths.NewDirectory();
        try
        {
            await using (var service = await ServiceProcess.StartAsync(
                Path.Combine(directory, "w.duckdb"), new Dictionary<string, string> { ["Logging__Console__FormatterName"] = setting.Groups[1].Value }))
            {
                using var push = await service.Client.PushAsync("{\"kind\":1}", "m-json", DateTime.UtcNow); // parked: event 104
                Assert.Equal(System.Net.HttpStatusCode.NoContent, push.StatusCode);
                service.Signal(ServiceProcess.SigTerm);
                Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromMinutes(1)));

                var lines = Lines(service.Output);
                Assert.NotEmpty(lines);
                var entries = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList(); // each line one JSON object
                Assert.All(entries, e => Assert.False(string.IsNullOrEmpty(e.GetProperty("severity").GetString())));
                var parked = Assert.Single(entries, e => e.GetProperty("eventId").GetInt32() == 104);
                Assert.Equal(("INFO", "m-json"), (parked.GetProperty("severity").GetString(), parked.GetProperty("MessageId").GetString()));
                Assert.Contains(entries, e => e.GetProperty("severity").GetString() == "WARNING"); // push auth off, at start
            }
        }
        finally
        {
            TempPaths.TryDelete(directory);
        }
    }

    [Fact]
    public async Task TheLineOfARefusedPushCarriesTheTraceOfItsRequestsTraceparent()
    {
        // Through the real host: ASP.NET Core's request activity takes the traceparent Cloud Run sends, and the line of a
        // push refused for want of a token (event 318) is tied to that request's trace.
        var directory = TempPaths.NewDirectory();
        try
        {
            await using var service = await ServiceProcess.StartAsync(Path.Combine(directory, "w.duckdb"), new Dictionary<string, string>
            {
                ["Logging__Console__FormatterName"] = "cloudlogging",
                ["Warehouse__ProjectId"] = "demo-project",
                ["PushAuth__Audience"] = "https://chatingest.test/pubsub/push",
                ["PushAuth__ServiceAccountEmail"] = "pusher@demo-project.iam.gserviceaccount.com",
            });
            using var request = new HttpRequestMessage(HttpMethod.Post, "/pubsub/push")
            {
                Content = new StringContent(PushEnvelopes.Create("{}", "m-6", DateTime.UtcNow), System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

            using var response = await service.Client.SendAsync(request);

            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
            JsonElement? RefusalLine() => service.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => (JsonElement?)JsonDocument.Parse(l).RootElement).FirstOrDefault(e => e!.Value.GetProperty("eventId").GetInt32() == 318);
            await Wait.UntilAsync(() => RefusalLine() is not null, "the refused push's log line");
            var refused = RefusalLine()!.Value;
            Assert.Equal("projects/demo-project/traces/4bf92f3577b34da6a3ce929d0e0e4736", refused.GetProperty("logging.googleapis.com/trace").GetString());
            Assert.Equal("00f067aa0ba902b7", refused.GetProperty("logging.googleapis.com/spanId").GetString());
            Assert.True(refused.GetProperty("logging.googleapis.com/trace_sampled").GetBoolean());
        }
        finally
        {
            TempPaths.TryDelete(directory);
        }
    }

    private static (ILogger Logger, StringWriter Output) Logger(string? project = null)
    {
        var output = new StringWriter();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Warehouse:ProjectId"] = project }).Build();
        var time = new FakeTimeProvider(new DateTimeOffset(2024, 2, 1, 10, 0, 0, TimeSpan.Zero).AddTicks(1_234_567));
        return (new Into(new CloudLoggingFormatter(configuration, time), output), output);
    }

    private static List<string> Lines(StringWriter output) => Lines(output.ToString());

    private static List<string> Lines(string output) => [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>What the console logger does with a formatter: one entry, written into its writer.</summary>
    private sealed class Into(CloudLoggingFormatter formatter, StringWriter output) : ILogger
    {
        private readonly CloudLoggingFormatter format = formatter;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            format.Write(new LogEntry<TState>(logLevel, "Tests.Category", eventId, state, exception, formatter), null, output);
    }
}
