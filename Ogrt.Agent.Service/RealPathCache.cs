namespace Ogrt.Agent.Service;

/// <summary>
/// Real paths of loader names, per process root (<see cref="ProcessRoot"/>): most processes
/// on a node load the same libraries, and resolving each name costs one readlinkat per path
/// component. An entry (also "cannot be resolved") is used for <c>lifetime</c> after it was
/// resolved, so a name whose symbolic link is retargeted, or a file that appears, is reported
/// as before for at most that long. Bounded: when full it starts over.
/// </summary>
internal sealed class RealPathCache
{
    private const int MaxEntries = 8192;
    private const int MaxKeyLength = ProcessRoot.IdentityLength + Ogrt.Agent.Interop.Libc.PathMax;

    private readonly Dictionary<byte[], (byte[]? RealPath, long Expires)> _entries = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], (byte[]? RealPath, long Expires)>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly byte[] _key = new byte[MaxKeyLength];
    private readonly long _lifetimeMilliseconds;

    public RealPathCache(TimeSpan lifetime)
    {
        _lifetimeMilliseconds = (long)lifetime.TotalMilliseconds;
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>Resolutions done (cache misses), for the bench and the tests.</summary>
    public long Resolutions { get; private set; }

    /// <summary>The real path of <paramref name="absoluteName"/> in <paramref name="root"/>, or null when it cannot be resolved.</summary>
    public byte[]? RealPathOf(in ProcessRoot root, ReadOnlySpan<byte> absoluteName, long nowMilliseconds)
    {
        if (!root.IsKnown || absoluteName.Length > MaxKeyLength - ProcessRoot.IdentityLength)
            return null;
        root.WriteIdentity(_key);
        absoluteName.CopyTo(_key.AsSpan(ProcessRoot.IdentityLength));
        var key = _key.AsSpan(0, ProcessRoot.IdentityLength + absoluteName.Length);
        if (_lookup.TryGetValue(key, out var entry) && entry.Expires > nowMilliseconds)
            return entry.RealPath;

        Resolutions++;
        byte[]? realPath = RootedPathResolver.Resolve(root.Descriptor, absoluteName);
        if (_entries.Count >= MaxEntries)
            _entries.Clear();
        _lookup[key] = (realPath, nowMilliseconds + _lifetimeMilliseconds);
        return realPath;
    }

    private sealed class ByteKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ByteKeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] key) => GetHashCode(key.AsSpan());

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
