using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Service;

/// <summary>
/// One gate message (Ogrt.Agent/native/ogrt_agent_message.h), checked and split into
/// NUL-terminated strings in place: pointers into the receive buffer, nothing copied.
/// </summary>
internal unsafe ref struct AgentMessage
{
    private const int HeaderLength = AgentMessageFormat.HeaderLength;

    public ushort Flags;
    public long TimeMicroseconds;
    public int ParentPid;
    public byte* ExecutablePath;
    public byte* WorkingDirectory;
    public byte** Arguments;
    public int ArgumentCount;
    /// <summary>NULL-terminated, as the capture's EnvironmentBlock reads it.</summary>
    public byte** Environment;
    /// <summary>ObjectCount pairs of (path, signature).</summary>
    public byte** Objects;
    public int ObjectCount;

    public readonly bool Truncated => (Flags & AgentMessageFormat.FlagTruncated) != 0;

    /// <summary>A fork-path capture process's notice that the socket refused its process's message.</summary>
    public static bool IsFallbackNotice(byte* buffer, int length) =>
        length == HeaderLength && *(uint*)buffer == AgentMessageFormat.Magic && *(ushort*)(buffer + 4) == AgentMessageFormat.Version
        && (*(ushort*)(buffer + 6) & AgentMessageFormat.FlagFallbackNotice) != 0;

    /// <summary>
    /// Checks a received message and fills <paramref name="message"/> with views into
    /// <paramref name="buffer"/>. <paramref name="strings"/> must hold <c>length + 4</c> pointers.
    /// Returns null when valid, else why not (for the malformed counter's log line).
    /// </summary>
    public static string? TryParse(byte* buffer, int length, byte** strings, out AgentMessage message)
    {
        message = default;
        if (length < HeaderLength)
            return "shorter than the header";
        if (*(uint*)buffer != AgentMessageFormat.Magic)
            return "wrong magic";
        if (*(ushort*)(buffer + 4) != AgentMessageFormat.Version)
            return "unknown version";
        message.Flags = *(ushort*)(buffer + 6);
        message.TimeMicroseconds = *(long*)(buffer + 8);
        message.ParentPid = *(int*)(buffer + 16);
        uint argumentCount = *(uint*)(buffer + 20);
        uint environmentCount = *(uint*)(buffer + 24);
        uint objectCount = *(uint*)(buffer + 28);
        // Every string takes at least its NUL, so no count can exceed the body's length.
        long expected = 2L + argumentCount + environmentCount + 2L * objectCount;
        int bodyLength = length - HeaderLength;
        if (expected > bodyLength)
            return "counts larger than the message";
        if (bodyLength == 0 || buffer[length - 1] != 0)
            return "last string not terminated";

        // Split: the strings of the layout, in order, one pointer each; the environment's
        // NULL terminator gets a slot of its own before the objects.
        var body = new ReadOnlySpan<byte>(buffer + HeaderLength, bodyLength);
        int environmentStart = 2 + (int)argumentCount;
        int environmentEnd = environmentStart + (int)environmentCount;
        int slot = 0;
        int offset = 0;
        while (offset < bodyLength)
        {
            if (slot == environmentEnd)
                strings[slot++] = null;
            if (slot > expected)
                return "more strings than the counts say";
            strings[slot++] = buffer + HeaderLength + offset;
            offset += body[offset..].IndexOf((byte)0) + 1;
        }
        if (slot == environmentEnd)
            strings[slot++] = null;
        if (slot != expected + 1)
            return "fewer strings than the counts say";

        message.ExecutablePath = strings[0];
        message.WorkingDirectory = strings[1];
        message.Arguments = strings + 2;
        message.ArgumentCount = (int)argumentCount;
        message.Environment = strings + environmentStart;
        message.Objects = strings + environmentEnd + 1;
        message.ObjectCount = (int)objectCount;
        return null;
    }
}
