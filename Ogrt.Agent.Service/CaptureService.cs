using System.Runtime.InteropServices;
using Ogrt.Agent.Capture;
using Ogrt.Agent.Interop;
using Ogrt.Agent.Settings;
using Ogrt.Agent.Wire;
using Ogrt.Agent.Service.EndRecords;
using Ogrt.Agent.Service.Interop;

namespace Ogrt.Agent.Service;

/// <summary>
/// The receive loop: one gate message in, one ProcessInfo datagram out, on one thread with
/// buffers allocated once. Identity comes from the kernel (SCM_CREDENTIALS) and the node
/// (hostname, passwd), never from what the process says about itself.
/// </summary>
internal sealed unsafe class CaptureService : IDisposable
{
    private static readonly TimeSpan CountersInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MalformedLogInterval = TimeSpan.FromSeconds(10);
    /// <summary>How long a resolved object path is reused (bench/agent/service/README.md).</summary>
    private static readonly TimeSpan RealPathLifetime = TimeSpan.FromSeconds(1);
    /// <summary>
    /// More than the agent socket can hold (net.unix.max_dgram_qlen: 512 under systemd), so a
    /// drain takes everything queued before it began, and a flood of messages cannot keep
    /// the exits from being read.
    /// </summary>
    private const int DrainLimit = 65536;

    private readonly AgentSocket _socket;
    private readonly CollectorSender _collector;
    private readonly string? _countersPath;
    private readonly UidRateLimiter _rateLimiter;
    private readonly UserNameCache _userNames = new(TimeSpan.FromMinutes(5));
    private readonly MessageObjectList _objects = new(new RealPathCache(RealPathLifetime));
    private readonly ReadPacing _pacing = new(SocketQueueLimit.Measure());
    private readonly ServiceCounters _counters;
    private readonly EndRecordService? _endRecords;
    private readonly byte[] _hostname;
    private readonly byte[] _datagram = new byte[ProcessInfoEncoder.MaxDatagramLength];
    private readonly byte* _buffer;
    private readonly byte** _strings;
    private long _nextCountersWrite;
    private long _nextMalformedLog;
    private long _malformedSinceLog;
    private volatile bool _stopping;

    public CaptureService(AgentSocket socket, CollectorSender collector, ServiceOptions options, byte[] hostname,
        ServiceCounters counters, EndRecordService? endRecords)
    {
        _socket = socket;
        _counters = counters;
        _endRecords = endRecords;
        _collector = collector;
        _countersPath = options.CountersPath;
        _rateLimiter = new UidRateLimiter(options.RatePerSecond, options.Burst);
        _hostname = hostname;
        _buffer = (byte*)NativeMemory.Alloc(AgentMessageFormat.MaxLength);
        // One pointer per string at most (each takes a byte), plus the environment's NULL.
        _strings = (byte**)NativeMemory.Alloc((nuint)(AgentMessageFormat.MaxLength + 4), (nuint)sizeof(byte*));
    }

    public ServiceCounters Counters => _counters;

    /// <summary>Ends <see cref="Run"/> within a second (the socket's receive timeout).</summary>
    public void Stop() => _stopping = true;

    public void Run()
    {
        while (!_stopping)
        {
            if (Receive(wait: true) && _pacing.Starts(Environment.TickCount64))
                ReadOnTimer();
            ServeWhatIsDue();
        }
        WriteCounters(Environment.TickCount64);
    }

    public void Dispose()
    {
        NativeMemory.Free(_buffer);
        NativeMemory.Free(_strings);
    }

    /// <summary>
    /// While messages keep coming, sleeps and takes what queued meanwhile rather than waiting on
    /// the socket, so that the gates' sends wake no one (<see cref="ReadPacing"/>).
    /// </summary>
    private void ReadOnTimer()
    {
        int taken;
        do
        {
            ServeWhatIsDue();
            Thread.Sleep(_pacing.IntervalMilliseconds);
            taken = TakeQueued();
            _counters.TimedReads++;
        }
        while (!_stopping && _pacing.Continues(taken, Environment.TickCount64));
    }

    private void ServeWhatIsDue()
    {
        if (_endRecords is { ExitsDue: true })
            ServeExits();
        long now = Environment.TickCount64;
        if (now >= _nextCountersWrite)
            WriteCounters(now);
    }

    /// <summary>Takes and handles the gate messages queued so far; returns how many.</summary>
    private int TakeQueued()
    {
        int taken = 0;
        while (taken < DrainLimit && Receive(wait: false))
            taken++;
        return taken;
    }

    /// <summary>
    /// The exits queued so far, then the gate messages queued so far, then the matching: a
    /// process sends its start before it exits, so each exit read has its start in the table
    /// by the time it is matched.
    /// </summary>
    private void ServeExits()
    {
        bool batchFull;
        do
        {
            batchFull = _endRecords!.ReadQueued();
            TakeQueued();
            _endRecords.MatchBatch();
        }
        while (batchFull);
    }

    /// <summary>Takes and handles one gate message; false when none came.</summary>
    private bool Receive(bool wait)
    {
        var outcome = _socket.Receive(_buffer, AgentMessageFormat.MaxLength, wait, out int length, out var credentials, out int rootDescriptor);
        long now = Environment.TickCount64;
        switch (outcome)
        {
            case ReceiveOutcome.Message:
                _counters.Received++;
                Handle(length, credentials, rootDescriptor, now);
                break;
            case ReceiveOutcome.Oversized:
            case ReceiveOutcome.NoCredentials:
                _counters.Received++;
                CountMalformed(outcome == ReceiveOutcome.Oversized ? "longer than any gate message" : "no sender credentials", credentials, now);
                break;
            case ReceiveOutcome.Failed:
                // Not expected on a bound datagram socket; do not spin if it persists.
                Thread.Sleep(10);
                break;
        }
        if (rootDescriptor >= 0)
            Libc.close(rootDescriptor);
        return outcome is ReceiveOutcome.Message or ReceiveOutcome.Oversized or ReceiveOutcome.NoCredentials;
    }

    private void Handle(int length, Credentials credentials, int rootDescriptor, long now)
    {
        if (AgentMessage.IsFallbackNotice(_buffer, length))
        {
            _counters.Fallbacks++;
            return;
        }
        string? problem = AgentMessage.TryParse(_buffer, length, _strings, out var message);
        if (problem is not null)
        {
            CountMalformed(problem, credentials, now);
            return;
        }
        if (!_rateLimiter.TryTake(credentials.Uid, now))
        {
            _counters.RateLimited++;
            return;
        }
        var environment = new EnvironmentBlock(message.Environment);
        var settings = CaptureSettings.Read(environment);
        var objects = _objects.Fill(message.Objects, message.ObjectCount, message.WorkingDirectory, ProcessRoot.Of(rootDescriptor), now, out var programSignature);
        var snapshot = new ProcessSnapshot
        {
            Binpath = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(message.ExecutablePath),
            Pid = credentials.Pid,
            ParentPid = message.ParentPid,
            TimeMicroseconds = message.TimeMicroseconds,
            Username = settings.SendUsername ? _userNames.NameOf(credentials.Uid, now) : default,
            Hostname = settings.SendHostname ? _hostname : default,
            Cwd = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(message.WorkingDirectory),
            Uid = credentials.Uid,
            Gid = credentials.Gid,
            Truncated = message.Truncated,
            SharedObjects = objects,
            Signature = programSignature,
        };
        SettingsFields.Fill(ref snapshot, settings, environment, message.Arguments, message.ArgumentCount);
        if (message.Truncated)
            _counters.Truncated++;

        int datagramLength = ProcessInfoEncoder.Encode(snapshot, _datagram);
        if (_collector.Send(_datagram.AsSpan(0, datagramLength)))
            _counters.Sent++;
        else
            _counters.SendFailed++;
        _endRecords?.Started(snapshot);
    }

    private void CountMalformed(string problem, Credentials credentials, long now)
    {
        _counters.Malformed++;
        _malformedSinceLog++;
        if (now < _nextMalformedLog)
            return;
        ServiceLog.Warning($"malformed message from pid {credentials.Pid} uid {credentials.Uid}: {problem} ({_malformedSinceLog} malformed since the last such line)");
        _malformedSinceLog = 0;
        _nextMalformedLog = now + (long)MalformedLogInterval.TotalMilliseconds;
    }

    private void WriteCounters(long now)
    {
        if (_countersPath is not null)
            _counters.WriteTo(_countersPath);
        _nextCountersWrite = now + (long)CountersInterval.TotalMilliseconds;
    }
}
