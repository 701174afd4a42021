using Ogrt.Collector.Spooling;

namespace Ogrt.Collector.Tests.Support;

/// <summary>
/// The real <see cref="SegmentStore"/> behind a disk that hangs: every write and sync blocks
/// until <see cref="Release"/>, as on a dead NFS server or a failing disk.
/// </summary>
internal sealed class StuckSegmentStore(ISegmentStore inner) : ISegmentStore
{
    private readonly ManualResetEventSlim _released = new();
    private int _blocked;

    /// <summary>Calls waiting for the disk right now.</summary>
    public int Blocked => Volatile.Read(ref _blocked);

    public void Release() => _released.Set();

    public long UnreadRecords => inner.UnreadRecords;
    public long UnreadBytes => inner.UnreadBytes;
    public long MaxUnreadBytes => inner.MaxUnreadBytes;
    public long FileBytes => inner.FileBytes;
    public bool OldestIsPartlyRead => inner.OldestIsPartlyRead;

    public void Append(ReadOnlySpan<byte> frame)
    {
        WaitForTheDisk();
        inner.Append(frame);
    }

    public void Sync()
    {
        WaitForTheDisk();
        inner.Sync();
    }

    public bool TryReadOldest<T>(Func<ReadOnlyMemory<byte>, T> decode, out T value, out long lostRecords) =>
        inner.TryReadOldest(decode, out value, out lostRecords);

    public List<T> ReadRestOfPartlyRead<T>(Func<ReadOnlyMemory<byte>, T> decode, out long lostRecords) =>
        inner.ReadRestOfPartlyRead(decode, out lostRecords);

    public int WriteAsOldest(IEnumerable<byte[]> frames)
    {
        WaitForTheDisk();
        return inner.WriteAsOldest(frames);
    }

    public void Dispose()
    {
        inner.Dispose();
        _released.Dispose();
    }

    private void WaitForTheDisk()
    {
        Interlocked.Increment(ref _blocked);
        _released.Wait();
        Interlocked.Decrement(ref _blocked);
    }
}
