using System.Net.Http.Json;
using System.Text.Json;
using ChatIngest.Cli.Tests.Support;
using ChatIngest.Tests.Support;

namespace ChatIngest.Cli.Tests.Replay;

/// <summary>The real service on a real DuckDB file, listening on a real port; the CLI pushes to it over HTTP.</summary>
public sealed class ReplayToServiceTests
{
    private static readonly string[] Columns =
    [
        "order_id", "city_code", "first_courier_message", "first_customer_message", "num_messages_courier",
        "num_messages_customer", "first_message_by", "conversation_started_at", "first_responsetime_delay_seconds",
        "last_message_time", "last_message_order_stage",
    ];

    [Theory]
    [InlineData("/pubsub/push")]
    [InlineData("/pubsub/push/unwrapped", "--unwrapped")]
    public async Task ReplayOfTheSeedSampleGivesTheExpectedViewRows(string path, params string[] options)
    {
        using var app = new ChatIngestApp();
        var address = app.ServeOnLoopback();

        var result = await CliRun.RunAsync(
            ["replay", TempPaths.SharedData("conversations.json"), "--to", new Uri(address, path).ToString(), "--concurrency", "16", .. options]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("sent 1,801, acknowledged 1,801, retried 0, failed 0", result.Error, StringComparison.Ordinal);

        using var http = new HttpClient { BaseAddress = address };
        var page = await http.GetFromJsonAsync<JsonElement>("/conversations?limit=1000");
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next_page_token").ValueKind);
        var actual = page.GetProperty("items").EnumerateArray()
            .Select(row => string.Join(',', Columns.Select(c => Text(row.GetProperty(c)))))
            .ToArray();

        var expected = File.ReadLines(TempPaths.SharedData("expected_view.csv")).ToArray();
        Assert.Equal(string.Join(',', Columns), expected[0]);
        Assert.Equal(400, actual.Length);
        Assert.Equal(expected[1..].Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WithoutTheTokenTheServiceWantsReplayStopsAtTheFirst401AndSaysWhy()
    {
        using var app = new ChatIngestApp(new Dictionary<string, string?>
        {
            ["PushAuth:Audience"] = "https://chatingest.example/pubsub/push",
            ["PushAuth:ServiceAccountEmail"] = "push@demo-project.iam.gserviceaccount.com",
        });
        var to = new Uri(app.ServeOnLoopback(), "/pubsub/push");

        var result = await CliRun.RunAsync(["replay", TempPaths.SharedData("conversations.json"), "--to", to.ToString(), "--concurrency", "1", "--min-backoff", "1ms", "--max-backoff", "5ms", "--max-attempts", "2"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("acknowledged 0, retried 0, failed 1", result.Error, StringComparison.Ordinal);
        Assert.Contains(
            $"replay: stopped: {to} answered HTTP 401 Unauthorized: The push is not authenticated. "
            + "The request has no \"Authorization: Bearer <token>\" header. Check --token.",
            result.Error.Split('\n'));
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "",
        JsonValueKind.String => value.GetString()!,
        _ => value.GetRawText(),
    };
}
