using System.Net;
using System.Text.Json;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Hosting;

/// <summary>API.md: errors are problem+json, whatever the client's <c>Accept</c> says.</summary>
public sealed class ProblemJsonTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("text/html")]
    public async Task AnAnswerWithoutABodyOfItsOwnIsAProblemWhateverTheAccept(string? accept)
    {
        using var app = new ChatIngestApp();

        using var response = await app.CreateClient().GetAcceptingAsync("/no-such-page", accept);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("Not Found", problem.RootElement.GetProperty("title").GetString());

        // The fields of every problem here (API.md), and the same as ASP.NET Core's own writer gives a client that accepts
        // JSON: since both come from that writer, the list is what checks that none is lost.
        Assert.Equal(["status", "title", "trace_id", "type"], Fields(problem));
        using var asJson = await app.CreateClient().GetAcceptingAsync("/no-such-page", "application/json");
        using var expected = JsonDocument.Parse(await asJson.Content.ReadAsStringAsync());
        Assert.Equal(Fields(expected), Fields(problem));
    }

    private static List<string> Fields(JsonDocument problem) => [.. problem.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
}
