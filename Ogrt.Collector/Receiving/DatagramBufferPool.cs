namespace Ogrt.Collector.Receiving;

/// <summary>
/// Buffers for datagrams between the socket and decoding, in whole-KiB sizes: a 5.5 KB datagram
/// takes 6 KiB, where the power-of-two buckets of <see cref="System.Buffers.ArrayPool{T}"/> gave it
/// 8 KiB — memory a backlog of tens of thousands of datagrams really held, beyond what the
/// receive queue's byte bound counted. Rented on the receive thread, returned by decoding.
/// </summary>
/// <remarks>
/// Holds at most <see cref="MaxRetainedBytes"/> of idle buffers in all, enough for the datagrams
/// in flight at 60,000/s without allocating; beyond that, returned buffers are left to the GC.
/// Datagrams larger than <see cref="LargestPooled"/> (rare: agents send a few KiB) get arrays of
/// their exact size, never pooled.
/// </remarks>
internal sealed class DatagramBufferPool
{
    public const int Granularity = 1024;
    public const int LargestPooled = 16 * Granularity;
    public const long MaxRetainedBytes = 16 << 20;

    private readonly Stack<byte[]>[] _idle = new Stack<byte[]>[LargestPooled / Granularity];
    private long _retainedBytes;

    public DatagramBufferPool()
    {
        for (int i = 0; i < _idle.Length; i++)
            _idle[i] = new Stack<byte[]>();
    }

    public static DatagramBufferPool Shared { get; } = new();

    /// <summary>Idle bytes held for reuse.</summary>
    public long RetainedBytes => Interlocked.Read(ref _retainedBytes);

    /// <summary>The size of the buffer <see cref="Rent"/> gives for <paramref name="length"/> bytes.</summary>
    public static int BufferSize(int length) =>
        length > LargestPooled ? length : Math.Max(1, (length + Granularity - 1) / Granularity) * Granularity;

    public byte[] Rent(int length)
    {
        int size = BufferSize(length);
        if (size > LargestPooled)
            return GC.AllocateUninitializedArray<byte>(size);
        var idle = _idle[(size / Granularity) - 1];
        lock (idle)
        {
            if (idle.TryPop(out var buffer))
            {
                Interlocked.Add(ref _retainedBytes, -size);
                return buffer;
            }
        }
        return GC.AllocateUninitializedArray<byte>(size);
    }

    public void Return(byte[] buffer)
    {
        int size = buffer.Length;
        if (size > LargestPooled || size % Granularity != 0)
            return;
        if (Interlocked.Add(ref _retainedBytes, size) > MaxRetainedBytes)
        {
            Interlocked.Add(ref _retainedBytes, -size);
            return;
        }
        var idle = _idle[(size / Granularity) - 1];
        lock (idle)
            idle.Push(buffer);
    }
}
