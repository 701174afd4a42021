using System.Net;
using System.Net.Sockets;
using Ogrt.Protocol;

namespace Ogrt.Agent.Tests.Infrastructure;

/// <summary>
/// A stand-in collector for agent tests: a real UDP socket on 127.0.0.1, ephemeral port,
/// that decodes every datagram with the protocol types (MessageFrame + ProcessInfo.Parser, or
/// ProcessEnd.Parser for the node capture service's end records, kept apart in <see cref="Ends"/>).
/// A datagram that does not decode is kept as an error and fails every later wait.
/// Usage:
/// <code>
/// using var collector = new ProcessInfoListener();
/// var result = await AgentProcess.RunAsync(program, [], collector);
/// ProcessInfo info = await collector.WaitForPidAsync(result.Pid);
/// await collector.AssertNothingMoreAsync(TimeSpan.FromSeconds(2));   // nothing else came
/// </code>
/// </summary>
public sealed class ProcessInfoListener : IDisposable
{
    /// <summary>How long a wait for a datagram may take: the capture process boots a runtime on a busy machine.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock gate = new();
    private readonly List<ProcessInfo> received = [];
    private readonly List<ProcessEnd> ends = [];
    private readonly List<string> errors = [];
    private readonly Task receiving;
    private IDisposable? attached;

    public ProcessInfoListener()
    {
        socket.ReceiveBufferSize = 4 * 1024 * 1024;
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        receiving = Task.Run(ReceiveLoopAsync);
    }

    public int Port { get; }

    /// <summary>Variables that route the agent's capture to this listener (see <see cref="Attach"/>).</summary>
    public IReadOnlyDictionary<string, string> AgentVariables { get; private set; } = new Dictionary<string, string>();

    /// <summary>The value for OGRT_COLLECTOR.</summary>
    public string CollectorAddress => $"127.0.0.1:{Port}";

    /// <summary>Everything decoded so far, in arrival order.</summary>
    public IReadOnlyList<ProcessInfo> Received
    {
        get
        {
            lock (gate)
                return [.. received];
        }
    }

    /// <summary>The end records decoded so far, in arrival order.</summary>
    public IReadOnlyList<ProcessEnd> Ends
    {
        get
        {
            lock (gate)
                return [.. ends];
        }
    }

    /// <summary>Waits for the end record of the process with this pid.</summary>
    public async Task<ProcessEnd> WaitForEndAsync(int pid, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            ThrowOnDecodeErrors();
            if (Ends.FirstOrDefault(end => end.Pid == pid) is { } found)
                return found;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"waited {timeout ?? DefaultTimeout} for the end record of pid {pid}; ends received: "
                    + string.Join(", ", Ends.Select(end => $"pid {end.Pid} {end.Binpath}")));
            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> records arrived; returns all of them.</summary>
    public Task<IReadOnlyList<ProcessInfo>> WaitForCountAsync(int count, TimeSpan? timeout = null) =>
        WaitUntilAsync(all => all.Count >= count, $"{count} datagram(s)", timeout);

    /// <summary>Waits for the record of the process with this pid.</summary>
    public async Task<ProcessInfo> WaitForPidAsync(int pid, TimeSpan? timeout = null)
    {
        IReadOnlyList<ProcessInfo> all = await WaitUntilAsync(
            all => all.Any(info => info.Pid == pid), $"the datagram of pid {pid}", timeout).ConfigureAwait(false);
        return all.First(info => info.Pid == pid);
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds for the records received so far; throws
    /// <see cref="TimeoutException"/> naming <paramref name="what"/> and listing what came.
    /// </summary>
    public async Task<IReadOnlyList<ProcessInfo>> WaitUntilAsync(
        Func<IReadOnlyList<ProcessInfo>, bool> condition, string what, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            ThrowOnDecodeErrors();
            IReadOnlyList<ProcessInfo> all = Received;
            if (condition(all))
                return all;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"waited {timeout ?? DefaultTimeout} for {what}; received: {Describe(all)}");
            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Watches for <paramref name="quietPeriod"/> and throws if any datagram beyond the ones
    /// received so far arrives. Pair it with a positive control (a tracked run whose record
    /// was awaited first) so "nothing" cannot mean "the agent is broken".
    /// </summary>
    public async Task AssertNothingMoreAsync(TimeSpan quietPeriod)
    {
        int before = Received.Count;
        await Task.Delay(quietPeriod).ConfigureAwait(false);
        ThrowOnDecodeErrors();
        IReadOnlyList<ProcessInfo> all = Received;
        if (all.Count != before)
            throw new AssertionException($"expected no further datagram within {quietPeriod}, got: {Describe(all.Skip(before).ToList())}");
    }

    /// <summary>
    /// Ties something that forwards to this listener (a node capture service) to its lifetime,
    /// with the agent variables that route processes through it.
    /// </summary>
    public void Attach(IDisposable forwarder, IReadOnlyDictionary<string, string> agentVariables)
    {
        attached = forwarder;
        AgentVariables = agentVariables;
    }

    public void Dispose()
    {
        attached?.Dispose();
        stopping.Cancel();
        socket.Dispose();
        try
        {
            receiving.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // The loop ends with the socket's disposal exception; nothing to report.
        }
        stopping.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[65536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!stopping.IsCancellationRequested)
        {
            SocketReceiveFromResult result;
            try
            {
                result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stopping.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            Decode(buffer.AsSpan(0, result.ReceivedBytes));
        }
    }

    private void Decode(ReadOnlySpan<byte> datagram)
    {
        string? error = null;
        ProcessInfo? info = null;
        ProcessEnd? end = null;
        if (!MessageFrame.TryReadHeader(datagram, out uint type, out uint length))
            error = $"datagram of {datagram.Length} bytes is shorter than the header";
        else if (type != (uint)MessageType.ProcessInfoMsg && type != (uint)MessageType.ProcessEndMsg)
            error = $"message type {type}, expected {(uint)MessageType.ProcessInfoMsg} or {(uint)MessageType.ProcessEndMsg}";
        else if (length != datagram.Length - MessageFrame.HeaderSize)
            error = $"header says {length} payload bytes, datagram has {datagram.Length - MessageFrame.HeaderSize}";
        else
        {
            try
            {
                if (type == (uint)MessageType.ProcessInfoMsg)
                    info = ProcessInfo.Parser.ParseFrom(datagram[MessageFrame.HeaderSize..]);
                else
                    end = ProcessEnd.Parser.ParseFrom(datagram[MessageFrame.HeaderSize..]);
            }
            catch (Google.Protobuf.InvalidProtocolBufferException exception)
            {
                error = "payload does not parse: " + exception.Message;
            }
        }
        lock (gate)
        {
            if (info is not null)
                received.Add(info);
            else if (end is not null)
                ends.Add(end);
            else
                errors.Add(error!);
        }
    }

    private void ThrowOnDecodeErrors()
    {
        lock (gate)
        {
            if (errors.Count > 0)
                throw new AssertionException("undecodable datagram(s): " + string.Join("; ", errors));
        }
    }

    private static string Describe(IReadOnlyList<ProcessInfo> records) =>
        records.Count == 0 ? "nothing" : string.Join(", ", records.Select(info => $"pid {info.Pid} {info.Binpath}"));
}
