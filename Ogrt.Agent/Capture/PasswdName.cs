using System.Runtime.InteropServices;
using Ogrt.Agent.Interop;

namespace Ogrt.Agent.Capture;

/// <summary>The login name of a uid from the passwd database (getpwuid_r: files, LDAP, sssd…).</summary>
internal static unsafe class PasswdName
{
    /// <summary>The name, or empty when the uid has no entry.</summary>
    public static byte[] Of(uint uid)
    {
        Passwd entry;
        Passwd* result = null;
        for (int size = 1024; size <= 1 << 20; size *= 4)
        {
            var buffer = new byte[size];
            fixed (byte* scratch = buffer)
            {
                int error = Libc.getpwuid_r(uid, &entry, scratch, (nuint)size, &result);
                if (error == 0 && result is not null && entry.Name is not null)
                    return MemoryMarshal.CreateReadOnlySpanFromNullTerminated(entry.Name).ToArray();
                if (error != Libc.ERANGE)
                    return [];
            }
        }
        return [];
    }
}
