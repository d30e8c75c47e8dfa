namespace ChatIngest.Api.Hosting;

/// <summary>
/// Writes a problem as <c>application/problem+json</c> when the client's <c>Accept</c> names neither JSON type
/// (<c>Accept: text/plain</c>), where ASP.NET Core's own writer declines and the exception handler and status code pages
/// would answer with a bare status: no detail, and for a read the warehouse did not answer, no <c>Retry-After</c>.
/// Registered after ASP.NET Core's writer, which still writes every problem it accepts, and which writes these too:
/// told that the client takes problem+json, so the body is the same whatever the <c>Accept</c> (type, title, trace id,
/// the customisation). The endpoints' own <c>TypedResults.Problem</c> answers are JSON whatever the <c>Accept</c> already
/// (API.md: errors are problem+json).
/// </summary>
internal sealed class ProblemJsonWhateverTheAccept : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        http.Request.Headers.Accept = "application/problem+json"; // what the answer is, whatever was asked for
        var framework = http.RequestServices.GetServices<IProblemDetailsWriter>().First(w => w is not ProblemJsonWhateverTheAccept);
        return framework.CanWrite(context)
            ? framework.WriteAsync(context)
            : throw new InvalidOperationException($"{framework.GetType().Name} declines a problem even for Accept: application/problem+json.");
    }
}
