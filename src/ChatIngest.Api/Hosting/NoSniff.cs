namespace ChatIngest.Api.Hosting;

/// <summary>
/// <c>X-Content-Type-Options: nosniff</c> on every answer, so a browser takes JSON, problem+json and the dashboard for
/// the types they are sent as and never guesses HTML or script from their bytes (a dead letter's reason quotes its
/// sender). Set before anything runs; the exception handler clears the headers of a failed request, so a problem
/// answer sets it again where its body is written.
/// </summary>
internal static class NoSniff
{
    public static void Set(HttpResponse response) => response.Headers.XContentTypeOptions = "nosniff";

    public static WebApplication UseNoSniff(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            Set(context.Response);
            return next(context);
        });
        return app;
    }
}
