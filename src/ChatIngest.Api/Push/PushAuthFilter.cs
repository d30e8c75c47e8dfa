using ChatIngest.Api.Hosting;
using ChatIngest.Core.Ingest;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Push;

/// <summary>
/// The push group's authentication policy: runs before the body is read, so a stranger's push stores nothing.
/// 401 for no or a broken token, 403 for a genuine token meant for another audience or account; each logged, at most
/// a line a window per cause (<see cref="PushLog"/>), since Pub/Sub keeps pushing what it is refused, and counted in
/// <c>chatingest.push.rejected</c> with its reason.
/// </summary>
internal sealed class PushAuthFilter(PushTokenValidator validator, IOptions<IngestOptions> ingest, PushLog log, IngestMetrics metrics) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var result = await validator.ValidateAsync(
            http.Request.Headers.Authorization, http.Request.Headers[PushTokenValidator.ServerlessAuthorizationHeader], http.RequestAborted);
        switch (result.Outcome)
        {
            case PushAuthOutcome.Accepted:
                return await next(context);
            case PushAuthOutcome.Unauthenticated:
                metrics.Rejected("unauthenticated");
                log.TokenRefused(StatusCodes.Status401Unauthorized, result.Detail!);
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return TypedResults.Problem(title: "The push is not authenticated.", detail: result.Detail, statusCode: StatusCodes.Status401Unauthorized);
            case PushAuthOutcome.Forbidden:
                metrics.Rejected("forbidden");
                log.TokenRefused(StatusCodes.Status403Forbidden, result.LogDetail ?? result.Detail!);
                return TypedResults.Problem(title: "The push token is not for this endpoint.", detail: result.Detail, statusCode: StatusCodes.Status403Forbidden);
            default:
                metrics.Rejected("keys_unavailable");
                log.KeysUnavailable(result.Detail!);
                return Problems.Unavailable(http, ingest, "Push tokens cannot be checked now.", result.Detail!);
        }
    }
}
