namespace Ogrt.Agent.Wire;

/// <summary>
/// The loaded objects to report: the resolved real path, the name the dynamic loader used
/// (empty when it is the same as the path, or unknown) and the (possibly empty) OGRT watermark UUID.
/// </summary>
internal interface ISharedObjectList
{
    int Count { get; }

    ReadOnlySpan<byte> PathAt(int index);

    ReadOnlySpan<byte> LoaderNameAt(int index);

    ReadOnlySpan<byte> SignatureAt(int index);
}
