using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Tests.Capture;

/// <summary>Managed (path, signature) pairs as encoder input; an empty signature means none.</summary>
internal sealed class ManagedSharedObjectList(IReadOnlyList<(byte[] Path, byte[] Signature)> items) : ISharedObjectList
{
    public int Count => items.Count;

    public ReadOnlySpan<byte> PathAt(int index) => items[index].Path;

    public ReadOnlySpan<byte> SignatureAt(int index) => items[index].Signature;
}
