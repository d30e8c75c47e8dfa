using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatIngest.Api.Dashboard;

/// <summary>
/// <c>GET /</c> (a page of links), <c>GET /dashboard</c> (charts of <c>/stats</c>, polling it) and the page's assets.
/// </summary>
internal static class DashboardEndpoints
{
    // Everything the pages load comes from this service (the charts library is vendored, not fetched from a CDN).
    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", Index).ExcludeFromDescription();
        var group = app.MapGroup("/dashboard").WithTags("Dashboard");
        group.MapGet("/", Page).WithSummary("An HTML page with charts of /stats that refreshes itself every few seconds");
        group.MapGet("/assets/{**name}", Asset).ExcludeFromDescription();
        return app;
    }

    internal static FileContentHttpResult Index(HttpContext http) => Html(http, "index.html");

    internal static FileContentHttpResult Page(HttpContext http) => Html(http, "dashboard.html");

    internal static Results<FileContentHttpResult, NotFound> Asset(string name) =>
        DashboardAssets.TryGet(name, out var content, out var contentType)
            ? TypedResults.File(content, contentType)
            : TypedResults.NotFound();

    private static FileContentHttpResult Html(HttpContext http, string name)
    {
        DashboardAssets.TryGet(name, out var content, out var contentType);
        http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        return TypedResults.File(content, contentType);
    }
}
