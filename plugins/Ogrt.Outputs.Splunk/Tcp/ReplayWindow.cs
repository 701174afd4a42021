using Ogrt.Outputs.Sdk.Buffers;

namespace Ogrt.Outputs.Splunk.Tcp;

/// <summary>
/// The most recent batches written to the TCP input, up to a byte limit. A successful write
/// only means the bytes reached our kernel: they can still die in the send queue or in the
/// receiver's socket buffer when the receiver goes away. So a new connection first sends
/// this window again: duplicates within the window, instead of silent loss.
/// </summary>
internal sealed class ReplayWindow(int capacityBytes) : IDisposable
{
    private readonly Queue<(ByteBuffer Lines, int Records)> _batches = new();
    private long _bytes;

    public bool IsEmpty => _batches.Count == 0;

    public int Records => _batches.Sum(batch => batch.Records);

    public IEnumerable<(ReadOnlyMemory<byte> Lines, int Records)> Batches =>
        _batches.Select(batch => (batch.Lines.WrittenMemory, batch.Records));

    /// <summary>Takes ownership of <paramref name="lines"/>; drops the oldest batches beyond the limit.</summary>
    public void Add(ByteBuffer lines, int records)
    {
        _batches.Enqueue((lines, records));
        _bytes += lines.Length;
        while (_bytes > capacityBytes && _batches.Count > 0)
        {
            var (oldest, _) = _batches.Dequeue();
            _bytes -= oldest.Length;
            oldest.Dispose();
        }
    }

    public void Dispose()
    {
        while (_batches.Count > 0)
            _batches.Dequeue().Lines.Dispose();
        _bytes = 0;
    }
}
