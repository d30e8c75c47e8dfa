using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
            // Checked here: Kestrel's own checks fail inside the host's start, which logs a stack trace first.
            foreach (var url in Each(urls))
            {
                var problem = Problem(url);
                if (problem is not null)
                {
                    throw new InvalidSettingException($"ASPNETCORE_URLS (or --urls) has '{url}', {problem}.");
                }

                if (url.StartsWith("https:", StringComparison.OrdinalIgnoreCase) && !HasCertificate(builder.Configuration))
                {
                    throw new InvalidSettingException($"ASPNETCORE_URLS (or --urls) has '{url}', but there is no certificate to serve "
                        + "it with: set Kestrel__Certificates__Default__Path (and __KeyPath or __Password), run dotnet dev-certs https, "
                        + "or listen on http:// behind a proxy that ends TLS, as Cloud Run does.");
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

    /// <summary>
    /// Fails with one line when another process holds an address Kestrel is to listen on, or the machine has no such
    /// address. Kestrel's own failure comes inside the host's start, after the host's ~30-line failure log; a trial bind
    /// just before it catches the common cases (something else on 8080, an address copied from another machine). One taken in between still ends in <see cref="StartupErrors"/>, after that log.
    /// Endpoints set in Kestrel's own configuration (<c>Kestrel__Endpoints__…</c>) replace the URLs and are left to it.
    /// </summary>
    public static void ThrowIfTaken(IConfiguration configuration)
    {
        if (configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            return; // Kestrel listens there instead (and says it overrides the URLs): those are not this check's to try
        }

        foreach (var url in Each(configuration[WebHostDefaults.ServerUrlsKey] ?? Default))
        {
            var address = BindingAddress.Parse(url);
            if (address.IsUnixPipe || address.Port == 0)
            {
                continue;
            }

            foreach (var endpoint in EndpointsOf(address))
            {
                if (TrialBind(endpoint) is { } problem)
                {
                    throw new InvalidSettingException($"cannot listen: {url} {problem} (set --urls or PORT).");
                }
            }
        }
    }

    /// <summary>
    /// Whether Kestrel has a certificate for an https:// URL: one configured (<c>Kestrel__Certificates__Default__…</c>),
    /// or ASP.NET Core's development certificate in the user's store, as Kestrel looks for it. Without one, Kestrel
    /// fails inside the host's start, after the host's failure log, and the process aborted (exit code 134).
    /// </summary>
    private static bool HasCertificate(ConfigurationManager configuration)
    {
        var configured = configuration.GetSection("Kestrel:Certificates:Default");
        if (configured["Path"] is { Length: > 0 } || configured["Subject"] is { Length: > 0 })
        {
            return true;
        }

        using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
        try
        {
            store.Open(OpenFlags.ReadOnly);
        }
        catch (CryptographicException)
        {
            return false;
        }

        var now = DateTime.Now;
        var found = false;
        foreach (var certificate in store.Certificates)
        {
            found |= certificate.Extensions.Any(e => e.Oid?.Value == DevelopmentCertificateOid)
                && certificate.NotBefore <= now && now <= certificate.NotAfter && certificate.HasPrivateKey;
            certificate.Dispose();
        }

        return found;
    }

    /// <summary>The extension that marks ASP.NET Core's development certificate (<c>dotnet dev-certs https</c>).</summary>
    private const string DevelopmentCertificateOid = "1.3.6.1.4.1.311.84.1.1";

    /// <summary>What Kestrel would refuse in a URL to listen on, or null.</summary>
    private static string? Problem(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return "which is not a URL to listen on such as http://localhost:8080";
        }

        return !string.Equals(address.Scheme, "http", StringComparison.OrdinalIgnoreCase) && !string.Equals(address.Scheme, "https", StringComparison.OrdinalIgnoreCase)
                ? "but Kestrel listens on http:// or https:// URLs only"
            : !address.IsUnixPipe && address.Port is < IPEndPoint.MinPort or > IPEndPoint.MaxPort
                ? $"whose port must be from {IPEndPoint.MinPort} to {IPEndPoint.MaxPort}"
            : null;
    }

    /// <summary>The URLs of a <c>--urls</c> value, as Kestrel splits it.</summary>
    private static string[] Each(string urls) => urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // As Kestrel binds them: localhost on both loopbacks, an IP as given, any other host name on every interface.
    private static IEnumerable<IPEndPoint> EndpointsOf(BindingAddress address)
    {
        if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            yield return new IPEndPoint(IPAddress.Loopback, address.Port);
            if (Socket.OSSupportsIPv6)
            {
                yield return new IPEndPoint(IPAddress.IPv6Loopback, address.Port);
            }
        }
        else if (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip))
        {
            yield return new IPEndPoint(ip, address.Port);
        }
        else
        {
            yield return new IPEndPoint(Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, address.Port);
        }
    }

    /// <summary>Why Kestrel could not listen on <paramref name="endpoint"/>, as the end of a sentence; null when it could.</summary>
    private static string? TrialBind(IPEndPoint endpoint)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endpoint.Address.Equals(IPAddress.IPv6Any))
        {
            socket.DualMode = true;
        }

        try
        {
            socket.Bind(endpoint);
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return "is in use by another process";
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            return $"names {endpoint.Address}, which is not an address of this machine";
        }
        catch (SocketException)
        {
            return null; // not ours to judge (no IPv6 on the interface, a port below 1024): Kestrel says what it says
        }
    }
}
