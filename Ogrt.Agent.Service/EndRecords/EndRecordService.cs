using System.Runtime.InteropServices;
using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Service.EndRecords;

/// <summary>
/// End-of-run records: the kernel reports every exiting thread of the node on the taskstats
/// listener; the exits of processes the service saw start are folded per process and, at the
/// last thread, sent to the collector as one ProcessEnd. Exits never wake the service: they
/// queue in the socket and are read in batches when the service is awake anyway — for a gate
/// message (at most every <see cref="BatchWindowMilliseconds"/>) or at the agent socket's
/// receive timeout (<see cref="ReadInterval"/>) — so a storm of exits costs a few wake-ups a
/// second, not one per exit, and an exit needs no wake-up of its own.
/// </summary>
internal sealed unsafe class EndRecordService : IDisposable
{
    public const int BatchWindowMilliseconds = 50;
    /// <summary>The longest exits wait to be read: the exit buffer holds this long a storm.</summary>
    public static readonly TimeSpan ReadInterval = TimeSpan.FromMilliseconds(250);
    private const int MessageCapacity = 4096;
    private const int BatchCapacity = 4096;
    private const long SweepIntervalMilliseconds = 60_000;
    private const long ConfirmIntervalMilliseconds = 5_000;

    private readonly TaskstatsSocket _listener;
    private readonly TaskstatsSocket _query;
    private readonly RunTable _runs;
    private readonly CollectorSender _collector;
    private readonly ServiceCounters _counters;
    private readonly byte[] _hostname;
    private readonly TaskRecord[] _batch = new TaskRecord[BatchCapacity];
    private readonly byte[] _datagram = new byte[ProcessEndEncoder.MaxDatagramLength];
    private readonly byte* _message;
    private int _batchCount;
    private long _lastRead;
    private long _nextSweep;

    private EndRecordService(TaskstatsSocket listener, TaskstatsSocket query, long tableBytes, CollectorSender collector,
        ServiceCounters counters, byte[] hostname)
    {
        _listener = listener;
        _query = query;
        _runs = new RunTable(tableBytes);
        _collector = collector;
        _counters = counters;
        _hostname = hostname;
        _message = (byte*)NativeMemory.Alloc(MessageCapacity);
        _nextSweep = Environment.TickCount64 + SweepIntervalMilliseconds;
    }

    /// <summary>Listens to the exits of every possible CPU; throws <see cref="TaskstatsException"/> when the kernel refuses.</summary>
    public static EndRecordService Start(ServiceOptions options, CollectorSender collector, ServiceCounters counters, byte[] hostname)
    {
        var query = TaskstatsSocket.OpenQuery();
        try
        {
            var listener = TaskstatsSocket.OpenListener(PossibleCpus(), options.ExitBufferBytes);
            return new EndRecordService(listener, query, options.EndTableBytes, collector, counters, hostname);
        }
        catch
        {
            query.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether the queued exits are to be read now: at most every <see cref="BatchWindowMilliseconds"/>
    /// (the caller is awake anyway: a gate message, or the agent socket's receive timeout).
    /// </summary>
    public bool ExitsDue => Environment.TickCount64 - _lastRead >= BatchWindowMilliseconds;

    /// <summary>Reads the queued exits into the batch; true when the batch filled up before the queue was empty.</summary>
    public bool ReadQueued()
    {
        while (_batchCount < BatchCapacity)
        {
            var outcome = _listener.Receive(_message, MessageCapacity, out int length);
            if (outcome == ExitReceive.Empty)
            {
                _lastRead = Environment.TickCount64;
                return false;
            }
            if (outcome == ExitReceive.Overrun)
            {
                // Exits were lost: their runs stay in the table until a sweep finds them gone.
                _counters.ExitOverruns++;
                _nextSweep = Math.Min(_nextSweep, Environment.TickCount64 + ConfirmIntervalMilliseconds);
                continue;
            }
            if (outcome == ExitReceive.NotFromKernel)
            {
                _counters.ExitsNotFromKernel++;
                continue;
            }
            if (TaskRecord.TryRead(new ReadOnlySpan<byte>(_message, length), out _batch[_batchCount]))
                _batchCount++;
            _counters.ExitsRead++;
        }
        return true;
    }

    /// <summary>Folds the batch's exits into the runs and sends the end of every run that ended.</summary>
    public void MatchBatch()
    {
        long nowMicroseconds = NowMicroseconds();
        for (int i = 0; i < _batchCount; i++)
        {
            var run = _runs.Fold(_batch[i]);
            if (run is null)
                continue;
            int length = ProcessEndEncoder.Encode(run, _batch[i].ThreadGroupId, _batch[i], _hostname, nowMicroseconds, _datagram);
            if (_collector.Send(_datagram.AsSpan(0, length)))
                _counters.EndsSent++;
            else
                _counters.EndsSendFailed++;
        }
        _batchCount = 0;
        long now = Environment.TickCount64;
        if (now >= _nextSweep)
            _nextSweep = now + (_runs.Sweep(_query) ? ConfirmIntervalMilliseconds : SweepIntervalMilliseconds);
        UpdateCounters();
    }

    /// <summary>A gate message became a ProcessInfo for <paramref name="start"/>: its end will be reported.</summary>
    public void Started(scoped in ProcessSnapshot start)
    {
        _runs.Start(start.Pid, start, NowMicroseconds());
        UpdateCounters();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _query.Dispose();
        NativeMemory.Free(_message);
    }

    private void UpdateCounters()
    {
        _counters.StartsWithoutEnd = _runs.StartsWithoutEnd;
        _counters.RunsTracked = _runs.Count;
    }

    /// <summary>The wall clock in µs since the epoch (the start records' time_us is as fine).</summary>
    private static long NowMicroseconds() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;

    /// <summary>Every CPU that can ever be online (a CPU brought online later reports too), as the kernel's list syntax.</summary>
    private static string PossibleCpus()
    {
        try
        {
            return File.ReadAllText("/sys/devices/system/cpu/possible").Trim();
        }
        catch (IOException)
        {
            return $"0-{Environment.ProcessorCount - 1}";
        }
    }
}
