namespace ChatIngest.Api.Hosting;

/// <summary>
/// HEAD is answered as GET without the body (RFC 9110 §9.3.2: every general-purpose server supports it), so monitors
/// that probe <c>/healthz</c> or <c>/readyz</c> with HEAD see what GET sees. Minimal APIs route HEAD to no GET
/// endpoint, so the method is read as GET before routing; Kestrel still knows the request as HEAD and sends no body.
/// </summary>
internal static class HeadRequests
{
    public static WebApplication UseHeadAsGet(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            if (HttpMethods.IsHead(context.Request.Method))
            {
                context.Request.Method = HttpMethods.Get;
            }

            return next(context);
        });
        app.UseRouting(); // after the rewrite: WebApplication would otherwise route first, before any middleware here
        return app;
    }
}
