using System.Buffers.Binary;

namespace Ogrt.Agent.Interop;

/// <summary>struct sockaddr_un for a path (sun_family, then the NUL-terminated path).</summary>
internal static class UnixSocketAddress
{
    private const int PathCapacity = 108;

    /// <summary>Room for any address <see cref="TryWrite"/> writes.</summary>
    public const int MaxLength = 2 + PathCapacity;

    /// <summary>Writes the address of <paramref name="path"/>; false when the path does not fit.</summary>
    public static bool TryWrite(ReadOnlySpan<byte> path, Span<byte> address, out int length)
    {
        length = 0;
        if (path.IsEmpty || path.Length >= PathCapacity || address.Length < MaxLength)
            return false;
        address[..MaxLength].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(address, (ushort)Libc.AF_UNIX);
        path.CopyTo(address[2..]);
        length = 2 + path.Length + 1;
        return true;
    }
}
