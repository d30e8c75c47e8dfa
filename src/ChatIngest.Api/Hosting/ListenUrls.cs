using System.Globalization;
using System.Net;
using System.Net.Sockets;
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

            foreach (var (endpoint, named) in EndpointsOf(address))
            {
                if (TrialBind(endpoint, named) is { } problem)
                {
                    throw new InvalidSettingException($"cannot listen: {url} {problem} (set --urls or PORT).");
                }
            }
        }
    }

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
    // Named: the URL names that address, so the machine must have it. For localhost Kestrel listens on whichever loopback
    // there is (a container without IPv6 has no ::1) and only warns about the other.
    private static IEnumerable<(IPEndPoint Endpoint, bool Named)> EndpointsOf(BindingAddress address)
    {
        if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            yield return (new IPEndPoint(IPAddress.Loopback, address.Port), false);
            if (Socket.OSSupportsIPv6)
            {
                yield return (new IPEndPoint(IPAddress.IPv6Loopback, address.Port), false);
            }
        }
        else if (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip))
        {
            yield return (new IPEndPoint(ip, address.Port), true);
        }
        else
        {
            yield return (new IPEndPoint(Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, address.Port), false);
        }
    }

    /// <summary>Why Kestrel could not listen on <paramref name="endpoint"/>, as the end of a sentence; null when it could.</summary>
    private static string? TrialBind(IPEndPoint endpoint, bool namedInTheUrl)
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
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable && namedInTheUrl)
        {
            return $"names {endpoint.Address}, which is not an address of this machine";
        }
        catch (SocketException)
        {
            return null; // not ours to judge (no IPv6 on the interface, a port below 1024): Kestrel says what it says
        }
    }
}
