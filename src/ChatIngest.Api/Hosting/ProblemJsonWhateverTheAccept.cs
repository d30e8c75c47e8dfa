using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Hosting;

/// <summary>
/// Writes a problem as <c>application/problem+json</c> when the client's <c>Accept</c> names neither JSON type
/// (<c>Accept: text/plain</c>), where ASP.NET Core's own writer declines and the exception handler and status code pages
/// would answer with a bare status: no detail, and for a read the warehouse did not answer, no <c>Retry-After</c>.
/// Registered after ASP.NET Core's writer, which still writes every problem it accepts; the endpoints' own
/// <c>TypedResults.Problem</c> answers are JSON whatever the <c>Accept</c> already (API.md: errors are problem+json).
/// </summary>
internal sealed class ProblemJsonWhateverTheAccept(IOptions<ProblemDetailsOptions> problems, IOptions<JsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        problems.Value.CustomizeProblemDetails?.Invoke(context); // Retry-After, nosniff, the detail: as the other writer does
        var response = context.HttpContext.Response;
        var problem = context.ProblemDetails;
        problem.Status ??= response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        return new ValueTask(response.WriteAsJsonAsync(problem, json.Value.SerializerOptions, "application/problem+json", context.HttpContext.RequestAborted));
    }
}
