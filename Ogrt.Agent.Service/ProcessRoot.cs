using Ogrt.Agent.Service.Interop;

namespace Ogrt.Agent.Service;

/// <summary>
/// The root directory a tracked process sees, as the descriptor its gate passed with the
/// message (SCM_RIGHTS of an O_PATH "/"), and what identifies it for the path cache: the mount
/// it is on (a process in a mount namespace of its own, e.g. a private /tmp, sits on a copy of
/// the root mount with an id of its own), its device and its inode (a chroot).
/// </summary>
internal readonly unsafe struct ProcessRoot
{
    public const int IdentityLength = 3 * sizeof(ulong);

    private readonly ulong _mountId;
    private readonly ulong _device;
    private readonly ulong _inode;

    private ProcessRoot(int descriptor, ulong mountId, ulong device, ulong inode)
    {
        Descriptor = descriptor;
        _mountId = mountId;
        _device = device;
        _inode = inode;
    }

    /// <summary>No root: the message came without one (or it could not be examined), names stay as the loader gave them.</summary>
    public static ProcessRoot Unknown => new(-1, 0, 0, 0);

    public int Descriptor { get; }

    public bool IsKnown => Descriptor >= 0;

    /// <summary>The root behind a passed descriptor, or <see cref="Unknown"/> when there is none or it is not a directory one can stat.</summary>
    public static ProcessRoot Of(int descriptor)
    {
        StatxBuffer status;
        if (descriptor < 0 || !FileCalls.StatDescriptor(descriptor, FileCalls.STATX_INO | FileCalls.STATX_MNT_ID, &status)
            || (status.Mask & FileCalls.STATX_INO) == 0)
            return Unknown;
        // Kernels before 5.8 give no mount id: device and inode alone then.
        ulong mountId = (status.Mask & FileCalls.STATX_MNT_ID) != 0 ? status.MountId : 0;
        return new ProcessRoot(descriptor, mountId, ((ulong)status.DeviceMajor << 32) | status.DeviceMinor, status.Inode);
    }

    /// <summary>Writes the <see cref="IdentityLength"/> bytes that identify this root.</summary>
    public void WriteIdentity(Span<byte> destination)
    {
        BitConverter.TryWriteBytes(destination, _mountId);
        BitConverter.TryWriteBytes(destination[8..], _device);
        BitConverter.TryWriteBytes(destination[16..], _inode);
    }
}
