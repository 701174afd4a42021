using System.Runtime.InteropServices;
using Ogrt.Agent.Interop;
using Ogrt.Agent.Service.Interop;

namespace Ogrt.Agent.Service;

/// <summary>
/// realpath(3) inside a tracked process's root: the directory descriptor its gate passed is
/// "/", an absolute symbolic link restarts there, ".." never climbs above it. The walk goes
/// through the process's own mounts (its container, its private /tmp), not the service's, and
/// one component at a time, so no symbolic link is ever followed by the kernel relative to
/// the service's own root. Permission checks are the service's.
/// </summary>
internal static unsafe class RootedPathResolver
{
    /// <summary>As the kernel's limit on symbolic links in one lookup (ELOOP).</summary>
    private const int MaxLinks = 40;

    /// <summary>
    /// The real path of <paramref name="absolutePath"/> as the process sees it, or null when
    /// some component is missing, not reachable by the service, or a link loop.
    /// </summary>
    public static byte[]? Resolve(int root, ReadOnlySpan<byte> absolutePath)
    {
        if (absolutePath.IsEmpty || absolutePath[0] != (byte)'/' || absolutePath.Length >= Libc.PathMax)
            return null;
        // resolved: the real path so far, relative to the root, NUL-terminated for readlinkat.
        // pending: what is left to walk, at the end of its buffer so a link's target can go in front.
        byte* resolved = stackalloc byte[Libc.PathMax + 1];
        byte* pending = stackalloc byte[2 * Libc.PathMax];
        byte* target = stackalloc byte[Libc.PathMax];
        int resolvedLength = 0;
        int pendingStart = 2 * Libc.PathMax - absolutePath.Length;
        absolutePath.CopyTo(new Span<byte>(pending + pendingStart, absolutePath.Length));
        int links = 0;

        while (true)
        {
            var rest = new ReadOnlySpan<byte>(pending + pendingStart, 2 * Libc.PathMax - pendingStart);
            int skipped = rest.IndexOfAnyExcept((byte)'/');
            if (skipped < 0)
                break;
            rest = rest[skipped..];
            pendingStart += skipped;
            int componentLength = rest.IndexOf((byte)'/');
            var component = componentLength < 0 ? rest : rest[..componentLength];
            pendingStart += component.Length;
            if (component.SequenceEqual("."u8))
                continue;
            if (component.SequenceEqual(".."u8))
            {
                resolvedLength = Math.Max(0, new ReadOnlySpan<byte>(resolved, resolvedLength).LastIndexOf((byte)'/'));
                continue;
            }

            int candidateLength = resolvedLength + (resolvedLength > 0 ? 1 : 0) + component.Length;
            if (candidateLength >= Libc.PathMax)
                return null;
            if (resolvedLength > 0)
                resolved[resolvedLength] = (byte)'/';
            component.CopyTo(new Span<byte>(resolved + candidateLength - component.Length, component.Length));
            resolved[candidateLength] = 0;

            nint length = FileCalls.readlinkat(root, resolved, target, Libc.PathMax);
            if (length < 0)
            {
                // EINVAL: it exists and is not a symbolic link; anything else ends the walk.
                if (Marshal.GetLastSystemError() != FileCalls.EINVAL)
                    return null;
                resolvedLength = candidateLength;
                continue;
            }
            resolved[resolvedLength] = 0;
            if (++links > MaxLinks || length == 0 || length >= Libc.PathMax || length + 1 > pendingStart)
                return null;
            // Walk the link's target next, then what followed the link.
            pendingStart -= (int)length + 1;
            new ReadOnlySpan<byte>(target, (int)length).CopyTo(new Span<byte>(pending + pendingStart, (int)length));
            pending[pendingStart + length] = (byte)'/';
            if (target[0] == (byte)'/')
                resolvedLength = 0;
        }

        var real = new byte[resolvedLength + 1];
        real[0] = (byte)'/';
        new ReadOnlySpan<byte>(resolved, resolvedLength).CopyTo(real.AsSpan(1));
        return real;
    }
}
