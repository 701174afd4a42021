using System.Net;
using System.Net.Sockets;

namespace Ogrt.Collector.Tests.Support;

internal static class FreePort
{
    /// <summary>A TCP port that was free a moment ago (for listeners that cannot bind port 0).</summary>
    public static int Tcp()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
