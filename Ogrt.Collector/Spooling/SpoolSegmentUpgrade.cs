using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Spooling;

/// <summary>
/// Rewrites a segment left by an earlier collector in the current record format, so that a
/// spool survives an upgrade and the rest of the spool reads one format only. The new file is
/// written beside the old one, flushed to disk and renamed over it: a crash leaves either.
/// </summary>
internal static class SpoolSegmentUpgrade
{
    /// <summary>Rewrites every readable record; returns the bytes of damaged frames dropped (counted as corrupt).</summary>
    public static long Rewrite(SpoolSegment segment, ReadOnlySpan<byte> header)
    {
        string temporary = segment.Path + ".upgrading";
        long lostBytes = 0;
        using (segment)
        using (var upgraded = PrivateFiles.Open(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
        {
            upgraded.Write(header);
            using var frames = new SpoolFrames();
            while (segment.UnreadRecords > 0)
            {
                long unreadBytes = segment.UnreadBytes;
                try
                {
                    var payload = segment.ReadNext();
                    using var stream = new MemoryStream(payload.ToArray(), writable: false);
                    using var reader = SpoolRecordCodec.CreateReader(stream);
                    upgraded.Write(frames.Encode(SpoolRecordCodec.Read(reader, segment.RecordFormat)));
                }
                catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
                {
                    // Damaged: the rest of the file cannot be trusted to be framed right.
                    segment.Abandon();
                    lostBytes += unreadBytes;
                }
            }
            upgraded.Flush(flushToDisk: true);
        }
        File.Move(temporary, segment.Path, overwrite: true);
        return lostBytes;
    }
}
