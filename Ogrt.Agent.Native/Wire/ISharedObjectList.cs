namespace Ogrt.Agent.Wire;

/// <summary>The loaded objects to report: path and (possibly empty) OGRT watermark UUID.</summary>
internal interface ISharedObjectList
{
    int Count { get; }

    ReadOnlySpan<byte> PathAt(int index);

    ReadOnlySpan<byte> SignatureAt(int index);
}
