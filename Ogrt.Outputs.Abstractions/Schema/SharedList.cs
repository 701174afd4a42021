namespace Ogrt.Outputs.Abstractions.Schema;

/// <summary>
/// A repeated field's values that the <see cref="RecordReader"/> hands to every record whose
/// datagram carried the same entries (<see cref="ListCache"/>): the link map of a program run
/// over and over, the environment of one job's processes. Read-only once built. Records hold it
/// in place of the bare array; <see cref="RecordMessage"/> gives walkers the array.
/// </summary>
internal sealed class SharedList
{
    private byte[]? _json;
    private long _measuredBytes = -1;

    public SharedList(Array items) => Items = items;

    /// <summary>The values: a string[] or a RecordMessage[].</summary>
    public Array Items { get; }

    /// <summary>
    /// The list as a JSON array, made by <paramref name="serialize"/> on first use and kept, as
    /// <see cref="RecordMessage.JsonObject"/> does for a shared message: thousands of records
    /// share one serialization.
    /// </summary>
    public byte[] JsonArray(Func<SharedList, byte[]> serialize) => KeptOnce.Get(ref _json, this, serialize);

    /// <summary>The list's <see cref="RecordMessage.MeasureBytes"/> share, computed once (the items never change).</summary>
    public long MeasureBytes(Func<Array, long> measure) => KeptOnce.Get(ref _measuredBytes, Items, measure);
}
