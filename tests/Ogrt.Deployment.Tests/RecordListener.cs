using Google.Protobuf;
using Ogrt.Protocol;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Ogrt.Deployment.Tests;

/// <summary>
/// A UDP socket on an ephemeral loopback port standing where the collector would: it decodes
/// every datagram with the wire protocol and keeps the ProcessInfo records for the tests to poll.
/// </summary>
public sealed class RecordListener : IDisposable
{
    private readonly UdpClient socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly ConcurrentQueue<ProcessInfo> records = new();
    private readonly ConcurrentQueue<string> undecodable = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly Task receiving;

    public RecordListener()
    {
        receiving = Task.Run(ReceiveAsync);
    }

    /// <summary>The OGRT_COLLECTOR value that reaches this listener.</summary>
    public string Address => $"127.0.0.1:{((IPEndPoint)socket.Client.LocalEndPoint!).Port}";

    /// <summary>Polls until a record matches or the timeout passes; null on timeout.</summary>
    public ProcessInfo? WaitFor(Func<ProcessInfo, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        do
        {
            var found = records.FirstOrDefault(match);
            if (found is not null)
                return found;
            Thread.Sleep(50);
        }
        while (DateTime.UtcNow < deadline);
        return records.FirstOrDefault(match);
    }

    /// <summary>Datagrams that were not a well-formed ProcessInfo message, described.</summary>
    public IReadOnlyCollection<string> Undecodable => undecodable.ToArray();

    private async Task ReceiveAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            UdpReceiveResult datagram;
            try
            {
                datagram = await socket.ReceiveAsync(stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Decode(datagram.Buffer);
        }
    }

    private void Decode(byte[] datagram)
    {
        if (!MessageFrame.TryReadHeader(datagram, out uint type, out uint length)
            || type != (uint)MessageType.ProcessInfoMsg
            || length != datagram.Length - MessageFrame.HeaderSize)
        {
            undecodable.Enqueue($"bad header in a {datagram.Length}-byte datagram");
            return;
        }
        try
        {
            records.Enqueue(ProcessInfo.Parser.ParseFrom(datagram, MessageFrame.HeaderSize, (int)length));
        }
        catch (InvalidProtocolBufferException e)
        {
            undecodable.Enqueue(e.Message);
        }
    }

    public void Dispose()
    {
        stopping.Cancel();
        socket.Dispose();
        try
        {
            receiving.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // The socket was closed under a pending receive: that is how the loop ends.
        }
        stopping.Dispose();
    }
}
