namespace Ogrt.Agent.Settings;

/// <summary>
/// The collector endpoint from OGRT_COLLECTOR: <c>host:port</c>, <c>[IPv6]:port</c>,
/// or a host alone (default port). A bare IPv6 literal (more than one colon, no brackets)
/// is taken as a host without port.
/// </summary>
internal readonly ref struct CollectorAddress
{
    public const ushort DefaultPort = 7971;

    public CollectorAddress(ReadOnlySpan<byte> host, ushort port)
    {
        Host = host;
        Port = port;
    }

    /// <summary>A name, an IPv4 literal or an IPv6 literal (without brackets).</summary>
    public ReadOnlySpan<byte> Host { get; }

    public ushort Port { get; }

    public static bool TryParse(ReadOnlySpan<byte> text, out CollectorAddress address)
    {
        address = default;
        text = text.Trim(" \t"u8);
        ReadOnlySpan<byte> host;
        ReadOnlySpan<byte> portText;
        if (!text.IsEmpty && text[0] == (byte)'[')
        {
            int close = text.IndexOf((byte)']');
            if (close < 0)
                return false;
            host = text[1..close];
            var rest = text[(close + 1)..];
            if (!rest.IsEmpty && rest[0] != (byte)':')
                return false;
            portText = rest.IsEmpty ? default : rest[1..];
            if (!rest.IsEmpty && portText.IsEmpty)
                return false;
        }
        else
        {
            int colon = text.IndexOf((byte)':');
            bool singleColon = colon >= 0 && text.LastIndexOf((byte)':') == colon;
            host = singleColon ? text[..colon] : text;
            portText = singleColon ? text[(colon + 1)..] : default;
            if (singleColon && portText.IsEmpty)
                return false;
        }
        if (host.IsEmpty || host.IndexOfAny(" \t[]/"u8) >= 0)
            return false;

        ushort port = DefaultPort;
        if (!portText.IsEmpty && !TryParsePort(portText, out port))
            return false;
        address = new CollectorAddress(host, port);
        return true;
    }

    private static bool TryParsePort(ReadOnlySpan<byte> text, out ushort port)
    {
        port = 0;
        if (text.Length > 5)
            return false;
        int value = 0;
        foreach (byte digit in text)
        {
            if (digit < (byte)'0' || digit > (byte)'9')
                return false;
            value = value * 10 + (digit - '0');
        }
        if (value is 0 or > ushort.MaxValue)
            return false;
        port = (ushort)value;
        return true;
    }
}
