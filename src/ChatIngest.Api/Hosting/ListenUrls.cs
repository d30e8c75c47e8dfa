using System.Globalization;
using ChatIngest.Core;

namespace ChatIngest.Api.Hosting;

/// <summary>
/// Where Kestrel listens (API.md): <c>--urls</c>/<c>ASPNETCORE_URLS</c> when given; else <c>http://0.0.0.0:$PORT</c>
/// when <c>PORT</c> is set (Cloud Run); else <c>http://localhost:8080</c>.
/// </summary>
internal static class ListenUrls
{
    public const string Default = "http://localhost:8080";

    public static void Configure(WebApplicationBuilder builder)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration["urls"]))
        {
            return;
        }

        var port = builder.Configuration["PORT"];
        if (string.IsNullOrWhiteSpace(port))
        {
            builder.WebHost.UseUrls(Default);
            return;
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            throw new InvalidSettingException($"PORT is '{port}', must be a TCP port number from 1 to 65535.");
        }

        builder.WebHost.UseUrls($"http://0.0.0.0:{number}");
    }
}
