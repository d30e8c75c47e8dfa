using System.Net;
using System.Text;
using ChatIngest.Tests.Support;

namespace ChatIngest.Tests.Hosting;

public sealed class NoSniffTests
{
    [Theory]
    [InlineData("GET", "/conversations", HttpStatusCode.OK)]
    [InlineData("GET", "/conversations?limit=many", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/dashboard", HttpStatusCode.OK)]
    [InlineData("GET", "/swagger/v1/swagger.json", HttpStatusCode.OK)]
    [InlineData("GET", "/no-such-page", HttpStatusCode.NotFound)]
    [InlineData("POST", "/pubsub/push", HttpStatusCode.BadRequest)]
    public async Task EveryAnswerTellsBrowsersNotToSniffItsType(string method, string path, HttpStatusCode status)
    {
        using var app = new ChatIngestApp();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new StringContent("not an envelope", Encoding.UTF8, "application/json");
        }

        using var response = await app.CreateClient().SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
    }
}
