using Ogrt.Agent.Interop;
using Ogrt.Agent.Service.Interop;

namespace Ogrt.Agent.Service;

/// <summary>
/// What the kernel attached to a received message (struct cmsghdr, 16-byte header on LP64):
/// the sender's credentials (SCM_CREDENTIALS) and the descriptors it passed (SCM_RIGHTS). A gate
/// passes one, its root directory; anyone may send to the socket, so every other descriptor is
/// closed at once.
/// </summary>
internal static unsafe class ControlMessages
{
    public const int BufferLength = 128;
    private const int HeaderLength = 16;

    /// <summary>
    /// Reads the control data of <paramref name="header"/>: false when it carries no usable
    /// credentials. <paramref name="descriptor"/> is the first passed descriptor (-1 if none),
    /// which the caller must close.
    /// </summary>
    public static bool Read(in MessageHeader header, out Credentials credentials, out int descriptor)
    {
        credentials = default;
        descriptor = -1;
        bool found = false;
        byte* control = (byte*)header.Control;
        nuint offset = 0;
        while (offset + HeaderLength <= header.ControlLength)
        {
            nuint length = *(nuint*)(control + offset);
            int level = *(int*)(control + offset + 8);
            int type = *(int*)(control + offset + 12);
            if (length < HeaderLength || offset + length > header.ControlLength)
                break;
            if (level == SocketCalls.SOL_SOCKET && type == SocketCalls.SCM_CREDENTIALS && length >= HeaderLength + (nuint)sizeof(Credentials))
            {
                credentials = *(Credentials*)(control + offset + HeaderLength);
                found = true;
            }
            else if (level == SocketCalls.SOL_SOCKET && type == SocketCalls.SCM_RIGHTS)
            {
                int* passed = (int*)(control + offset + HeaderLength);
                for (nuint i = 0; i < (length - HeaderLength) / sizeof(int); i++)
                {
                    if (descriptor < 0)
                        descriptor = passed[i];
                    else
                        Libc.close(passed[i]);
                }
            }
            offset += (length + 7) & ~(nuint)7;
        }
        // Cut control data (more than a gate sends) may lack the credentials: not attributable.
        return found && (header.Flags & SocketCalls.MSG_CTRUNC) == 0;
    }
}
