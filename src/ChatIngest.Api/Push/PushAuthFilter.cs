using ChatIngest.Api.Hosting;
using ChatIngest.Core.Ingest;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Push;

/// <summary>
/// The push group's authentication policy: runs before the body is read, so a stranger's push stores nothing.
/// 401 for no or a broken token, 403 for a genuine token meant for another audience or account.
/// </summary>
internal sealed class PushAuthFilter(PushTokenValidator validator, IOptions<IngestOptions> ingest) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var result = await validator.ValidateAsync(http.Request.Headers.Authorization, http.RequestAborted);
        switch (result.Outcome)
        {
            case PushAuthOutcome.Accepted:
                return await next(context);
            case PushAuthOutcome.Unauthenticated:
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return TypedResults.Problem(title: "The push is not authenticated.", detail: result.Detail, statusCode: StatusCodes.Status401Unauthorized);
            case PushAuthOutcome.Forbidden:
                return TypedResults.Problem(title: "The push token is not for this endpoint.", detail: result.Detail, statusCode: StatusCodes.Status403Forbidden);
            default:
                return Problems.Unavailable(http, ingest, "Push tokens cannot be checked now.", result.Detail ?? "The token signing keys could not be fetched.");
        }
    }
}
