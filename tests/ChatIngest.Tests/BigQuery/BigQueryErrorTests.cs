using System.Net;
using System.Text;
using ChatIngest.Core.Warehouse.BigQuery;

namespace ChatIngest.Tests.BigQuery;

/// <summary>
/// An error answer's body as an exception (<see cref="QueryResults.Error"/>): BigQuery's own shape gives its reason and
/// message; any other body — a proxy's page, an OAuth-style error, fields of other kinds — gives the status alone.
/// </summary>
public sealed class BigQueryErrorTests
{
    [Fact]
    public void BigQuerysErrorShapeGivesItsReasonAndMessage()
    {
        var error = QueryResults.Error(HttpStatusCode.Forbidden, Encoding.UTF8.GetBytes(
            """{"error":{"code":403,"message":"Exceeded rate limits: too many table update operations","errors":[{"reason":"rateLimitExceeded","message":"…"}]}}"""));

        Assert.Equal((HttpStatusCode.Forbidden, "rateLimitExceeded"), (error.Status, error.Reason));
        Assert.Equal("BigQuery answered 403 rateLimitExceeded: Exceeded rate limits: too many table update operations", error.Message);
        Assert.True(error.IsTransient);
    }

    [Theory]
    [InlineData("<html><body>502 Bad Gateway</body></html>")]
    [InlineData("""{"error":"invalid_token","error_description":"Invalid Credentials"}""")]
    [InlineData("""{"error":{"code":503,"message":5,"errors":"backendError"}}""")]
    [InlineData("""{"error":{"errors":[{"reason":7}]}}""")]
    [InlineData("""{"error":{"errors":["backendError"]}}""")]
    [InlineData("""["error"]""")]
    [InlineData("")]
    public void AnyOtherBodyGivesTheStatusAlone(string body)
    {
        var error = QueryResults.Error(HttpStatusCode.ServiceUnavailable, Encoding.UTF8.GetBytes(body));

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "unknown"), (error.Status, error.Reason));
        Assert.Equal("BigQuery answered 503 unknown: HTTP 503", error.Message);
        Assert.True(error.IsTransient);
    }
}
