namespace Ogrt.Agent.Wire;

/// <summary>
/// An indexed list of byte strings (UTF-8 as the process gave them, not validated) that the
/// encoder serializes. Implementations read native memory in place, so nothing is copied
/// before the bytes land in the datagram.
/// </summary>
internal interface IByteStringList
{
    int Count { get; }

    ReadOnlySpan<byte> this[int index] { get; }
}
