using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Capture;

/// <summary>
/// The shared objects of one record, as both capture paths report them: each object's real
/// path when it could be resolved (else the loader's name), the loader's name when it differs
/// from the real path, and its watermark. Names and signatures are native strings that outlive
/// the record (the link map, the service's receive buffer); real paths are copies.
/// </summary>
internal sealed unsafe class SharedObjectTable : ISharedObjectList
{
    private readonly NativeTextList _loaderNames = new(64);
    private readonly NativeTextList _signatures = new(64);
    private readonly List<byte[]?> _realPaths = new(64);

    public int Count => _loaderNames.Count;

    public ReadOnlySpan<byte> PathAt(int index) => _realPaths[index] ?? _loaderNames[index];

    public ReadOnlySpan<byte> LoaderNameAt(int index) => _realPaths[index] is null ? default : _loaderNames[index];

    public ReadOnlySpan<byte> SignatureAt(int index) => _signatures[index];

    public void Clear()
    {
        _loaderNames.Clear();
        _signatures.Clear();
        _realPaths.Clear();
    }

    /// <summary>
    /// Adds an object. <paramref name="realPath"/>: null when it could not be resolved; one equal
    /// to the loader's name is not stored twice.
    /// </summary>
    public void Add(byte* loaderName, int loaderNameLength, byte[]? realPath, byte* signature, int signatureLength)
    {
        _loaderNames.Add(loaderName, loaderNameLength);
        _signatures.Add(signature, signatureLength);
        bool same = realPath is not null && realPath.AsSpan().SequenceEqual(new ReadOnlySpan<byte>(loaderName, loaderNameLength));
        _realPaths.Add(same ? null : realPath);
    }
}
