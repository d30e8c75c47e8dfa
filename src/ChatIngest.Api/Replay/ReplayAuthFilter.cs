using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ChatIngest.Api.Replay;

/// <summary>The replay group's policy: a bearer token (<c>Replay__Token</c>), compared in constant time.</summary>
internal sealed class ReplayAuthFilter(IOptions<ReplayOptions> options) : IEndpointFilter
{
    private readonly byte[]? expected = options.Value.Token is { Length: > 0 } token ? Encoding.UTF8.GetBytes(token) : null;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (expected is null)
        {
            return TypedResults.Problem(
                title: "Replay is turned off.",
                detail: "Outside Development, /replay needs Replay__Token to be set and sent as \"Authorization: Bearer <token>\".",
                statusCode: StatusCodes.Status403Forbidden);
        }

        const string scheme = "Bearer ";
        string? header = http.Request.Headers.Authorization;
        if (header is null || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return TypedResults.Problem(title: "The replay is not authenticated.", detail: "Send \"Authorization: Bearer <Replay__Token>\".",
                statusCode: StatusCodes.Status401Unauthorized);
        }

        var given = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, expected)
            ? await next(context)
            : TypedResults.Problem(title: "The replay token is wrong.", statusCode: StatusCodes.Status403Forbidden);
    }
}
