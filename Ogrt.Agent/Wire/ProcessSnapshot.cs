namespace Ogrt.Agent.Wire;

/// <summary>
/// Everything the agent reports about one process, as byte views into the process's own
/// memory. Empty optional strings are not sent; null lists count as empty.
/// </summary>
internal ref struct ProcessSnapshot
{
    public ReadOnlySpan<byte> Binpath;
    public int Pid;
    public int ParentPid;
    public long TimeMicroseconds;
    public ReadOnlySpan<byte> Signature;
    public ReadOnlySpan<byte> JobId;
    public ReadOnlySpan<byte> Username;
    public ReadOnlySpan<byte> Hostname;
    public ReadOnlySpan<byte> Cwd;
    public uint Uid;
    public uint Gid;

    /// <summary>Already cut before the encoder saw it (the gate's message limit): sent as <c>truncated</c>.</summary>
    public bool Truncated;

    /// <summary>argv: sent as <c>arguments</c> and, joined by spaces, as <c>cmdline</c>.</summary>
    public IByteStringList? Arguments;
    public IByteStringList? Environment;
    public IByteStringList? LoadedModules;
    public ISharedObjectList? SharedObjects;
}
