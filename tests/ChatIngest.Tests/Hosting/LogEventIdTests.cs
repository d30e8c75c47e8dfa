using System.Reflection;
using ChatIngest.Core.Ingest;

namespace ChatIngest.Tests.Hosting;

/// <summary>Log event ids are what alerts and log queries filter on (README lists them): each means one thing.</summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void EveryLogEventIdOfTheServiceIsUsedByOneMessageOnly()
    {
        var messages = new[] { typeof(IngestWriter).Assembly, typeof(Program).Assembly }
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<Microsoft.Extensions.Logging.LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .ToList();

        var shared = messages.GroupBy(m => m.Attribute!.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => $"{m.Method.DeclaringType?.Name}.{m.Method.Name}"))}")
            .ToList();

        Assert.True(shared.Count == 0, string.Join('\n', shared));
        Assert.True(messages.Count >= 40, $"only {messages.Count} log messages found");
    }
}
