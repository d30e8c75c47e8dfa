using System.Text;

namespace ChatIngest.Cli.Tests.Support;

/// <summary>SOURCE text for the CLI's tests: lines as a file holds them, and order events to fill it with.</summary>
internal static class Ndjson
{
    /// <summary>The lines as NDJSON bytes, each ended by a newline.</summary>
    public static byte[] Of(IEnumerable<string> lines) => Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");

    /// <summary>Order events for <paramref name="count"/> orders from <paramref name="first"/> on, one a line.</summary>
    public static string[] Orders(int count, long first = 1) =>
        [.. Enumerable.Range(0, count).Select(i => $$"""{"orderId": {{first + i}}, "cityCode": "IST"}""")];
}
