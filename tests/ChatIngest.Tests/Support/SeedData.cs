namespace ChatIngest.Tests.Support;

/// <summary>The seed project's sample: 1,801 lines, 400 orders, 1,401 chat messages.</summary>
public static class SeedData
{
    public static IReadOnlyList<string> Lines { get; } =
        File.ReadAllLines(TempPaths.SharedData("conversations.json")).Where(l => l.Trim().Length > 0).ToArray();

    /// <summary>Each line as Pub/Sub would publish it: numeric ids and publish times in line order.</summary>
    public static IReadOnlyList<PublishedMessage> Published { get; } = Lines
        .Select((line, i) => new PublishedMessage(line, (1_000_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture),
            new DateTime(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc).AddMilliseconds(i * 10)))
        .ToArray();
}
