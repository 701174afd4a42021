using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Tests.Capture;

/// <summary>Managed byte strings as encoder input (the agent itself reads native memory).</summary>
internal sealed class ManagedByteStringList(IReadOnlyList<byte[]> items) : IByteStringList
{
    public int Count => items.Count;

    public ReadOnlySpan<byte> this[int index] => items[index];
}
