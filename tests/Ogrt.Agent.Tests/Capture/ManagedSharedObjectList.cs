using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Tests.Capture;

/// <summary>
/// Managed (path, signature) pairs as encoder input; an empty signature means none. Loader
/// names, when given, go with the objects of the same index (empty: none).
/// </summary>
internal sealed class ManagedSharedObjectList(IReadOnlyList<(byte[] Path, byte[] Signature)> items, IReadOnlyList<byte[]>? loaderNames = null) : ISharedObjectList
{
    public int Count => items.Count;

    public ReadOnlySpan<byte> PathAt(int index) => items[index].Path;

    public ReadOnlySpan<byte> LoaderNameAt(int index) => loaderNames is null ? default : loaderNames[index];

    public ReadOnlySpan<byte> SignatureAt(int index) => items[index].Signature;
}
