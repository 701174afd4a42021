using Ogrt.Agent.Interop;
using Ogrt.Agent.Settings;
using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Service;

/// <summary>
/// Sends records to the collector over UDP. The collector's name is resolved on a thread of
/// its own, at start and then on a timer, never per record: a slow or failing name service
/// never holds up the receive loop, and a moved collector is followed within the interval.
/// </summary>
internal sealed unsafe class CollectorSender : IDisposable
{
    private const int MaxAddressLength = 28;
    private readonly byte[] _host;
    private readonly ushort _port;
    private readonly TimeSpan _resolveInterval;
    private readonly Thread _resolver;
    private readonly ManualResetEventSlim _stopping = new();
    private readonly int[] _sockets = [-1, -1];
    private volatile ResolvedAddress? _address;

    public CollectorSender(ReadOnlySpan<byte> host, ushort port, TimeSpan resolveInterval)
    {
        _host = host.ToArray();
        _port = port;
        _resolveInterval = resolveInterval;
        _resolver = new Thread(ResolveLoop) { IsBackground = true, Name = "collector resolver" };
    }

    /// <summary>Null until the name resolved once; then the last address it resolved to.</summary>
    public string? ResolvedTo => _address?.Description;

    public void Start()
    {
        Resolve();
        _resolver.Start();
    }

    /// <summary>Sends one datagram; false when the name never resolved or sendto failed.</summary>
    public bool Send(ReadOnlySpan<byte> datagram)
    {
        var address = _address;
        if (address is null)
            return false;
        int index = address.Family == Libc.AF_INET ? 0 : 1;
        if (_sockets[index] < 0)
            _sockets[index] = Libc.socket(address.Family, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (_sockets[index] < 0)
            return false;
        nint sent;
        fixed (byte* payload = datagram)
        fixed (byte* target = address.Bytes)
        {
            sent = Libc.sendto(_sockets[index], payload, (nuint)datagram.Length, 0, target, (uint)address.Length);
        }
        return sent == datagram.Length;
    }

    public void Dispose()
    {
        _stopping.Set();
        foreach (int socket in _sockets)
        {
            if (socket >= 0)
                Libc.close(socket);
        }
    }

    private void ResolveLoop()
    {
        // While it does not resolve, retry sooner than the regular interval.
        while (!_stopping.Wait(_address is null ? TimeSpan.FromSeconds(2) : _resolveInterval))
            Resolve();
    }

    private void Resolve()
    {
        var bytes = new byte[MaxAddressLength];
        if (DatagramSender.TryResolve(new CollectorAddress(_host, _port), bytes, out int family, out int length, out _))
            _address = new ResolvedAddress(bytes, family, length, Describe(bytes, family));
    }

    private string Describe(byte[] address, int family)
    {
        string ip = family == Libc.AF_INET
            ? new System.Net.IPAddress(address.AsSpan(4, 4)).ToString()
            : "[" + new System.Net.IPAddress(address.AsSpan(8, 16)).ToString() + "]";
        return $"{ip}:{_port}";
    }

    private sealed record ResolvedAddress(byte[] Bytes, int Family, int Length, string Description);
}
