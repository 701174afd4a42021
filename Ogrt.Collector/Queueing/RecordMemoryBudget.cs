using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Queueing;

/// <summary>
/// The memory one output may hold in decoded records (<c>Outputs:&lt;Name&gt;:QueueBytes</c>),
/// measured by <see cref="ProcessRecord.ApproximateBytes"/>: what its queue holds plus the
/// batches its workers are writing or retrying. A record count alone does not bound memory:
/// a hostile 64 KB datagram decodes to several hundred KB. Thread-safe.
/// </summary>
public sealed class RecordMemoryBudget
{
    private readonly long _limit;
    private readonly Action? _released;
    private long _held;

    /// <param name="released">Called after room was given back (e.g. to read more records back from a spool).</param>
    public RecordMemoryBudget(long limit, Action? released = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        _limit = limit;
        _released = released;
    }

    /// <summary>Bytes of records held now.</summary>
    public long Held => Interlocked.Read(ref _held);

    /// <summary>
    /// Whether anything more fits, for taking records back from the spool: the size of a record
    /// is known only once it is read, so the budget can be exceeded by that one record.
    /// </summary>
    public bool HasRoom => Held < _limit;

    /// <summary>
    /// Takes room for a record; false if it does not fit. A record larger than the whole budget
    /// still fits while nothing else is held, so it is delayed, never refused for good.
    /// </summary>
    public bool TryReserve(ProcessRecord record)
    {
        long bytes = BytesOf(record);
        long after = Interlocked.Add(ref _held, bytes);
        if (after <= _limit || after == bytes)
            return true;
        Interlocked.Add(ref _held, -bytes);
        return false;
    }

    /// <summary>Takes room unconditionally: records read back from the spool (<see cref="HasRoom"/> was checked) or handed back for a retry.</summary>
    public void Reserve(ProcessRecord record) => Add(BytesOf(record));

    public void Reserve(IEnumerable<ProcessRecord> records) => Add(BytesOf(records));

    /// <summary>Gives back the room of records that left memory (delivered, dropped, spooled).</summary>
    public void Release(ProcessRecord record)
    {
        Add(-BytesOf(record));
        _released?.Invoke();
    }

    public void Release(IEnumerable<ProcessRecord> records)
    {
        Add(-BytesOf(records));
        _released?.Invoke();
    }

    private void Add(long bytes) => Interlocked.Add(ref _held, bytes);

    private static long BytesOf(ProcessRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.ApproximateBytes;
    }

    private static long BytesOf(IEnumerable<ProcessRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        long bytes = 0;
        foreach (var record in records)
            bytes += record.ApproximateBytes;
        return bytes;
    }
}
