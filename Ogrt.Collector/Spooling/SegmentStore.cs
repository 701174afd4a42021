using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Ogrt.Collector.Metrics;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Spooling;

/// <summary>
/// A spool directory: an exclusive <c>lock</c> file and <see cref="SpoolSegment"/> files named
/// by sequence, oldest first. Records are appended to the newest segment and read from the
/// oldest, which is deleted once used up. Opening it recovers what an earlier run left.
/// Not thread-safe: one <see cref="SpoolWriter"/> owns it.
/// </summary>
internal sealed partial class SegmentStore : ISegmentStore
{
    private const string LockFileName = "lock";

    private readonly List<SpoolSegment> _segments = [];
    private readonly string _directory;
    private readonly long _segmentBytes;
    private readonly FileStream _lock;
    private readonly ILogger _logger;
    private long _nextSequence;
    private long _fileBytes;

    private SegmentStore(string directory, long maxBytes, FileStream lockFile, ILogger logger)
    {
        _directory = directory;
        _lock = lockFile;
        _logger = logger;
        // Several segments, so disk space comes back while an outage drains, not all at the end.
        _segmentBytes = Math.Clamp(maxBytes / 8, 64 << 10, 4 << 20);
        MaxUnreadBytes = maxBytes - _segmentBytes;
    }

    /// <summary>
    /// Opens (or creates) the spool in <paramref name="directory"/> and recovers what an earlier
    /// run left there. Throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/>
    /// if the directory cannot be used, including when another collector holds it.
    /// </summary>
    public static SegmentStore Open(string directory, long maxBytes, CollectorMetrics metrics, TagList tags, ILogger logger)
    {
        PrivateFiles.CreateDirectory(directory);
        // An exclusive lock (flock on Linux): two collectors sharing a spool would read each other's records.
        var lockFile = PrivateFiles.Open(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var store = new SegmentStore(directory, maxBytes, lockFile, logger);
        try
        {
            store.Recover(metrics, tags);
        }
        catch
        {
            store.Dispose();
            throw;
        }
        return store;
    }

    public long UnreadRecords { get; private set; }

    public long UnreadBytes { get; private set; }

    public long MaxUnreadBytes { get; }

    public long FileBytes => Interlocked.Read(ref _fileBytes);

    public bool OldestIsPartlyRead => _segments.Count > 0 && _segments[0].PartlyRead;

    public void Append(ReadOnlySpan<byte> frame)
    {
        var segment = _segments.Count > 0 && _segments[^1].IsAppendable ? _segments[^1] : null;
        if (segment is not null && segment.FileBytes + frame.Length > _segmentBytes)
        {
            segment.Seal();
            segment = null;
        }
        try
        {
            segment ??= StartSegment(_nextSequence++, atEnd: true);
            segment.Append(frame);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The failed write may have left part of a frame: stop appending to that file (it is
            // read only up to its counted records) and start a fresh one for the next record.
            if (_segments.Count > 0)
                SealQuietly(_segments[^1]);
            throw;
        }
        UnreadRecords++;
        UnreadBytes += frame.Length;
        Interlocked.Add(ref _fileBytes, frame.Length);
    }

    public void Sync()
    {
        if (_segments.Count > 0)
            _segments[^1].Seal();
    }

    public bool TryReadOldest<T>(Func<ReadOnlyMemory<byte>, T> decode, out T value, out long lostRecords)
    {
        lostRecords = 0;
        while (_segments.Count > 0)
        {
            if (_segments[0].UnreadRecords > 0 && TryReadFrom(_segments[0], decode, out value, ref lostRecords))
                return true;
            RemoveOldestSegment();
        }
        value = default!;
        return false;
    }

    public List<T> ReadRestOfPartlyRead<T>(Func<ReadOnlyMemory<byte>, T> decode, out long lostRecords)
    {
        var rest = new List<T>();
        lostRecords = 0;
        if (!OldestIsPartlyRead)
            return rest;
        var segment = _segments[0];
        while (segment.UnreadRecords > 0 && TryReadFrom(segment, decode, out var value, ref lostRecords))
            rest.Add(value);
        RemoveOldestSegment();
        return rest;
    }

    private bool TryReadFrom<T>(SpoolSegment segment, Func<ReadOnlyMemory<byte>, T> decode, out T value, ref long lostRecords)
    {
        long unreadBytes = segment.UnreadBytes;
        try
        {
            value = decode(segment.ReadNext());
            UnreadRecords--;
            UnreadBytes -= unreadBytes - segment.UnreadBytes;
            return true;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            // Damaged on disk: the rest of this file cannot be trusted to be framed right.
            long lost = segment.Abandon();
            UnreadRecords -= lost;
            UnreadBytes -= unreadBytes;
            lostRecords += lost;
            LogCorruptSegment(e, segment.Path, lost);
            SealQuietly(segment);
            value = default!;
            return false;
        }
    }

    public int WriteAsOldest(IEnumerable<byte[]> frames)
    {
        long sequence = _segments.Count > 0 ? _segments[0].Sequence - 1 : _nextSequence++;
        int written = 0;
        try
        {
            var segment = StartSegment(sequence, atEnd: false);
            foreach (var frame in frames)
            {
                if (UnreadBytes + frame.Length > MaxUnreadBytes)
                    break;
                segment.Append(frame);
                UnreadRecords++;
                UnreadBytes += frame.Length;
                Interlocked.Add(ref _fileBytes, frame.Length);
                written++;
            }
            segment.Seal();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogKeepFailed(e, _directory, written);
        }
        return written;
    }

    public void Dispose()
    {
        foreach (var segment in _segments)
        {
            try
            {
                segment.Dispose();
            }
            catch (IOException e)
            {
                LogCloseFailed(e, segment.Path, segment.UnreadRecords);
            }
        }
        _segments.Clear();
        _lock.Dispose();
    }

    private SpoolSegment StartSegment(long sequence, bool atEnd)
    {
        var segment = SpoolSegment.Create(_directory, sequence);
        _segments.Insert(atEnd ? _segments.Count : 0, segment);
        Interlocked.Add(ref _fileBytes, SpoolSegment.HeaderLength);
        return segment;
    }

    /// <summary>Reads the segments an earlier run left, oldest first, cutting off damaged tails.</summary>
    private void Recover(CollectorMetrics metrics, TagList tags)
    {
        var found = new List<(long Sequence, string Path)>();
        foreach (string path in Directory.EnumerateFiles(_directory, "*" + SpoolSegment.Extension))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long sequence))
                found.Add((sequence, path));
        }
        foreach (var (sequence, path) in found.OrderBy(file => file.Sequence))
        {
            var segment = SpoolSegment.Recover(path, sequence, out long corruptBytes);
            if (corruptBytes > 0)
            {
                metrics.OutputSpoolCorruptBytes.Add(corruptBytes, tags);
                LogCorruptTail(path, corruptBytes);
            }
            if (segment is null)
            {
                // Not ours, or a newer format: keep it for a person to look at, out of the way.
                File.Move(path, path + ".corrupt", overwrite: true);
                continue;
            }
            if (segment.UnreadRecords == 0)
            {
                segment.Delete();
                continue;
            }
            _segments.Add(segment);
            UnreadRecords += segment.UnreadRecords;
            UnreadBytes += segment.UnreadBytes;
            _fileBytes += segment.FileBytes;
        }
        _nextSequence = _segments.Count > 0 ? _segments[^1].Sequence + 1 : 0;
        if (UnreadRecords > 0)
            LogRecovered(UnreadRecords, _segments.Count, _directory);
    }

    private void RemoveOldestSegment()
    {
        var segment = _segments[0];
        _segments.RemoveAt(0);
        Interlocked.Add(ref _fileBytes, -segment.FileBytes);
        try
        {
            segment.Delete();
        }
        catch (IOException e)
        {
            LogDeleteFailed(e, segment.Path);
        }
    }

    private static void SealQuietly(SpoolSegment segment)
    {
        try
        {
            segment.Seal();
        }
        catch (IOException)
        {
            // Already failing; the failure that got us here is what gets reported.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Spool {Directory}: {Records} records in {Segments} segments from an earlier run; they are delivered before new records")]
    private partial void LogRecovered(long records, int segments, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool segment {Path}: cut off {Bytes} bytes of a damaged or incomplete tail (a crash while writing?)")]
    private partial void LogCorruptTail(string path, long bytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool segment {Path} is damaged; skipped its {Records} unread records")]
    private partial void LogCorruptSegment(Exception exception, string path, long records);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool segment {Path}: {Records} records could not be kept")]
    private partial void LogCloseFailed(Exception exception, string path, long records);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool {Directory}: could not write the records left at stop beyond the first {Written}")]
    private partial void LogKeepFailed(Exception exception, string directory, int written);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool segment {Path} could not be deleted")]
    private partial void LogDeleteFailed(Exception exception, string path);
}
