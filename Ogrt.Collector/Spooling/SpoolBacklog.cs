namespace Ogrt.Collector.Spooling;

/// <summary>
/// Encoded records accepted into a spool but not yet written by its <see cref="SpoolWriter"/>:
/// the newest part of the queue's order. Bounded by bytes, so a slow disk fills it and then the
/// overflow policy applies instead of memory growing. Not thread-safe: used under the queue's lock.
/// </summary>
internal sealed class SpoolBacklog(long limitBytes)
{
    private readonly Queue<byte[]> _waiting = new();

    /// <summary>Records accepted and not yet written: waiting, or taken by the writer.</summary>
    public long Records { get; private set; }

    /// <summary>Bytes of those records.</summary>
    public long Bytes { get; private set; }

    public bool HasRoomFor(int frameLength) => Bytes + frameLength <= limitBytes;

    public void Add(byte[] frame)
    {
        _waiting.Enqueue(frame);
        Records++;
        Bytes += frame.Length;
    }

    /// <summary>Removes the oldest frame not yet taken by the writer (DropOldest); false if there is none.</summary>
    public bool TryDropOldest()
    {
        if (!_waiting.TryDequeue(out var oldest))
            return false;
        Records--;
        Bytes -= oldest.Length;
        return true;
    }

    /// <summary>
    /// Hands the oldest waiting frames to the writer, up to half the limit, so that a full
    /// backlog always has frames DropOldest can still drop. They count until <see cref="Written"/>.
    /// </summary>
    public List<byte[]> Take()
    {
        var frames = new List<byte[]>();
        long bytes = 0;
        while (_waiting.TryPeek(out var frame) && (frames.Count == 0 || bytes + frame.Length <= limitBytes / 2))
        {
            frames.Add(_waiting.Dequeue());
            bytes += frame.Length;
        }
        return frames;
    }

    public void Written(int records, long bytes)
    {
        Records -= records;
        Bytes -= bytes;
    }
}
