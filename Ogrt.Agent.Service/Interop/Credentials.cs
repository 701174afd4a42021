using System.Runtime.InteropServices;

namespace Ogrt.Agent.Service.Interop;

/// <summary>
/// struct ucred from SCM_CREDENTIALS: the sender's pid, uid and gid as the kernel knows them,
/// translated into the service's PID and user namespaces.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Credentials
{
    public int Pid;
    public uint Uid;
    public uint Gid;
}
