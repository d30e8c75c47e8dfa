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
        if (builder.Configuration["urls"] is { } urls && !string.IsNullOrWhiteSpace(urls))
        {
            // Checked here: Kestrel's own parse fails inside the host's start, which logs a stack trace first.
            foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                try
                {
                    BindingAddress.Parse(url);
                }
                catch (FormatException)
                {
                    throw new InvalidSettingException($"ASPNETCORE_URLS (or --urls) has '{url}', which is not a URL to listen on such as http://localhost:8080.");
                }
            }

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
