using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using ChatIngest.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace ChatIngest.Cli.Tests.Support;

/// <summary>
/// The replay tests' runs: lines from stdin to a fake push endpoint that records what arrives and answers as the test
/// says (an error with a problem-details body, as the service's are).
/// </summary>
internal static class ReplayRun
{
    public static readonly string[] Lines = ["""{"orderId": 1, "cityCode": "IST"}""", """{"orderId": 2, "cityCode": "BER"}""", "not json at all"];

    public static Task<(CliResult Result, List<JsonElement> Received)> ReplayAsync(
        Func<JsonElement, int> answer, params string[] options) => ReplayLinesAsync(Lines, answer, options);

    /// <summary>Replays <paramref name="lines"/> from stdin; each envelope received, with its Authorization header.</summary>
    public static async Task<(CliResult Result, List<JsonElement> Received)> ReplayLinesAsync(
        string[] lines, Func<JsonElement, int> answer, params string[] options)
    {
        var received = new ConcurrentQueue<JsonElement>();
        await using var server = await LoopbackServer.StartAsync(async http =>
        {
            var envelope = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body);
            var withAuth = JsonSerializer.SerializeToElement(new { envelope, authorization = http.Request.Headers.Authorization.ToString() });
            received.Enqueue(withAuth);
            http.Response.StatusCode = answer(envelope);
            if (http.Response.StatusCode >= 400)
            {
                await http.Response.WriteAsJsonAsync(
                    new { title = "Refused by the test.", status = http.Response.StatusCode, detail = $"The test endpoint answers {http.Response.StatusCode}." },
                    options: null, contentType: "application/problem+json");
            }
        });

        var result = await CliRun.RunAsync(["replay", "-", "--to", new Uri(server.Address, "/pubsub/push").ToString(), "--min-backoff", "1ms", "--max-backoff", "5ms", .. options], stdin: Ndjson.Of(lines));
        return (result, received.ToList());
    }

    public static int OrderId(JsonElement envelope) => JsonDocument.Parse(Data(envelope)).RootElement.GetProperty("orderId").GetInt32();

    public static string Data(JsonElement envelope) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(envelope.GetProperty("message").GetProperty("data").GetString()!));
}
