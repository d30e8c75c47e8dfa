using System.Net;
using System.Net.Sockets;

namespace ChatIngest.Tests.Support;

/// <summary>A loopback port nothing listens on: one the system just handed out and took back (another process may still take it).</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
