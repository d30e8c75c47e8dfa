using ChatIngest.Core.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Hosting;

/// <summary>The problem+json answers endpoints share.</summary>
internal static class Problems
{
    public static ProblemHttpResult BadRequest(string title, string? detail = null) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status400BadRequest);

    /// <summary>503 with <c>Retry-After</c>: Pub/Sub treats it as a nack and comes back later.</summary>
    public static ProblemHttpResult Unavailable(HttpContext http, IOptions<IngestOptions> options, string title, string detail)
    {
        SetRetryAfter(http, options);
        return TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>When to come back after a 503 (<see cref="IngestOptions.RetryAfterSeconds"/>).</summary>
    public static void SetRetryAfter(HttpContext http, IOptions<IngestOptions> options) =>
        http.Response.Headers.RetryAfter = options.Value.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>415 with <c>Accept-Encoding: identity</c>: the body came compressed, and no endpoint here decompresses.</summary>
    public static ProblemHttpResult Compressed(HttpContext http, string title, string detail)
    {
        http.Response.Headers.AcceptEncoding = "identity";
        return TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status415UnsupportedMediaType);
    }
}
