namespace Ogrt.Collector.Spooling;

/// <summary>
/// The spool's files as its <see cref="SpoolWriter"/> uses them; every call may block on the
/// disk, so only the writer task (and the stop, once the writer has ended) calls it.
/// <see cref="SegmentStore"/> is the implementation; tests wrap it to make the disk slow.
/// </summary>
internal interface ISegmentStore : IDisposable
{
    /// <summary>Records on disk not read yet.</summary>
    long UnreadRecords { get; }

    /// <summary>Bytes of the frames not read yet: what <see cref="MaxUnreadBytes"/> bounds.</summary>
    long UnreadBytes { get; }

    /// <summary>Unread frame bytes the store may hold (MaxBytes less one segment for the file being read).</summary>
    long MaxUnreadBytes { get; }

    /// <summary>Size of the segment files on disk; safe to read from any thread.</summary>
    long FileBytes { get; }

    /// <summary>Appends one frame to the newest segment, starting (and syncing the full one) when it is full.</summary>
    void Append(ReadOnlySpan<byte> frame);

    /// <summary>Makes everything appended so far durable (fsync) and closes the segment being appended.</summary>
    void Sync();

    /// <summary>
    /// Reads and decodes the oldest unread record, deleting used-up segments. A segment that
    /// turns out damaged (CRC, framing, or <paramref name="decode"/> throws
    /// <see cref="InvalidDataException"/>) is skipped; <paramref name="lostRecords"/> says how
    /// many records it still held.
    /// </summary>
    bool TryReadOldest<T>(Func<ReadOnlyMemory<byte>, T> decode, out T value, out long lostRecords);

    /// <summary>True while the oldest segment was partly read: replaying it after a restart would repeat records.</summary>
    bool OldestIsPartlyRead { get; }

    /// <summary>
    /// Reads the unread rest of a partly read oldest segment and deletes the file, so that
    /// the records can be written again ahead of everything without the read ones coming back.
    /// </summary>
    List<T> ReadRestOfPartlyRead<T>(Func<ReadOnlyMemory<byte>, T> decode, out long lostRecords);

    /// <summary>
    /// Writes <paramref name="frames"/> to a new segment that is older than every other, while
    /// they fit under <see cref="MaxUnreadBytes"/>, and syncs it. Returns how many were written.
    /// </summary>
    int WriteAsOldest(IEnumerable<byte[]> frames);
}
