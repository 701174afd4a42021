using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Ogrt.Bench.Collector;

/// <summary>Sends datagrams to a target at a fixed rate, in bursts paced by the clock.</summary>
internal sealed class RateSender
{
    private long _sent;

    /// <summary>Datagrams sent so far, readable from another thread while <see cref="Send"/> runs.</summary>
    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Sends <paramref name="count"/> datagrams at <paramref name="rate"/> per second.</summary>
    /// <returns>Seconds the sending took.</returns>
    public double Send(IPEndPoint target, int count, int rate, CorpusShape shape, CpuSet? cpus = null)
    {
        cpus?.PinCurrentThread();
        // Pre-encode a corpus so the sender measures the collector, not protobuf encoding.
        const int CorpusSize = 4096;
        var corpus = new byte[CorpusSize][];
        for (int i = 0; i < CorpusSize; i++)
            corpus[i] = DatagramCorpus.Create(i + 1, shape);

        using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(target);
        var clock = Stopwatch.StartNew();
        int sent = 0;
        while (sent < count)
        {
            long due = Math.Min(count, (long)(clock.Elapsed.TotalSeconds * rate) + 1);
            while (sent < due)
            {
                // Pids repeat every corpus cycle; a run checks loss by counting lines.
                socket.Send(corpus[sent % CorpusSize]);
                sent++;
            }
            Volatile.Write(ref _sent, sent);
            Thread.Sleep(1);
        }
        return clock.Elapsed.TotalSeconds;
    }
}
