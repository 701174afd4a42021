using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Ogrt.Cli.SendTest;

/// <summary>A collector address given as HOST[:PORT], [IPV6][:PORT] or an IP literal.</summary>
internal readonly record struct CollectorAddress(string Host, int Port)
{
    public const int DefaultPort = 7971;
    public const string Default = "localhost:7971";

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    public static bool TryParse(string text, out CollectorAddress address, out string error)
    {
        address = default;
        error = "";
        string host = text;
        string? port = null;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']');
            if (close < 0 || (close + 1 < text.Length && text[close + 1] != ':'))
            {
                error = $"'{text}' is not HOST[:PORT] (bracketed IPv6 address expected as [ADDRESS]:PORT)";
                return false;
            }
            host = text[1..close];
            port = close + 1 < text.Length ? text[(close + 2)..] : null;
        }
        else if (text.Count(c => c == ':') == 1)
        {
            int colon = text.IndexOf(':');
            host = text[..colon];
            port = text[(colon + 1)..];
        }

        int number = DefaultPort;
        if (host.Length == 0)
            error = $"'{text}' has no host";
        else if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number is < 1 or > 65535))
            error = $"'{port}' is not a port number (1-65535)";
        if (error.Length > 0)
            return false;
        address = new CollectorAddress(host, number);
        return true;
    }

    /// <summary>Resolves the host (IP literal or DNS name), preferring IPv4 like the agent.</summary>
    public IPEndPoint Resolve()
    {
        if (IPAddress.TryParse(Host, out var literal))
            return new IPEndPoint(literal, Port);
        var addresses = Dns.GetHostAddresses(Host);
        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
        return new IPEndPoint(chosen, Port);
    }
}
