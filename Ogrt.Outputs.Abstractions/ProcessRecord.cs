namespace Ogrt.Outputs.Abstractions;

/// <summary>
/// One tracked process as the collector received it: the decoded ProcessInfo of the wire
/// protocol plus what the collector knows about its arrival. Outputs treat it as read-only;
/// the same instance is shared by every output.
/// </summary>
public sealed class ProcessRecord
{
    public required string Binpath { get; init; }
    public required int Pid { get; init; }
    public required int ParentPid { get; init; }

    /// <summary>Start time, seconds since the Unix epoch (upstream's <c>time</c>).</summary>
    public required long Time { get; init; }

    /// <summary>OGRT watermark UUID of the executable, if it has one.</summary>
    public string? Signature { get; init; }
    public string? JobId { get; init; }
    public string? Username { get; init; }
    public string? Hostname { get; init; }
    public string? Cmdline { get; init; }

    /// <summary>Captured environment, each entry "NAME=value".</summary>
    public IReadOnlyList<string> EnvironmentVariables { get; init; } = [];
    public IReadOnlyList<string> Arguments { get; init; } = [];
    public IReadOnlyList<SharedObjectRecord> SharedObjects { get; init; } = [];
    public IReadOnlyList<ModuleRecord> LoadedModules { get; init; } = [];

    // OGRT.NET additions; absent when an upstream agent sent the record.
    public uint? Uid { get; init; }
    public uint? Gid { get; init; }
    public string? Cwd { get; init; }

    /// <summary>Start time, microseconds since the Unix epoch.</summary>
    public long? TimeMicroseconds { get; init; }
    public string? AgentVersion { get; init; }

    /// <summary>The agent dropped data to keep the datagram under the UDP size limit.</summary>
    public bool Truncated { get; init; }

    /// <summary>When the collector received the datagram.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The sender's address as the collector saw it, e.g. "10.0.0.5".</summary>
    public string? SourceAddress { get; init; }

    /// <summary>
    /// How far <see cref="Time"/> may be from <see cref="ReceivedAt"/> before the record is
    /// flagged: the agent sends at process start, so more means a wrong clock or a forged record.
    /// </summary>
    public static readonly TimeSpan MaxClockOffset = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Roughly how much managed memory the record takes, counting every string as its own
    /// (UTF-16, object header) even when the decoder shares it with other records: an upper
    /// bound the collector uses to keep its queues within a memory budget. Computed once.
    /// </summary>
    public int ApproximateBytes
    {
        get
        {
            // Computed on first use; a race computes the same value twice, which is harmless.
            if (_approximateBytes == 0)
                _approximateBytes = (int)Math.Min(int.MaxValue, MeasureBytes());
            return _approximateBytes;
        }
    }

    private int _approximateBytes;

    private long MeasureBytes()
    {
        // The object itself, then each string and list with its object header and array slots.
        const int RecordObject = 160;
        const int SmallObject = 32;
        long bytes = RecordObject + StringBytes(Binpath) + StringBytes(Signature) + StringBytes(JobId) + StringBytes(Username)
                     + StringBytes(Hostname) + StringBytes(Cmdline) + StringBytes(Cwd) + StringBytes(AgentVersion) + StringBytes(SourceAddress);
        bytes += ListBytes(EnvironmentVariables.Count) + ListBytes(Arguments.Count) + ListBytes(SharedObjects.Count) + ListBytes(LoadedModules.Count);
        for (int i = 0; i < EnvironmentVariables.Count; i++)
            bytes += StringBytes(EnvironmentVariables[i]);
        for (int i = 0; i < Arguments.Count; i++)
            bytes += StringBytes(Arguments[i]);
        for (int i = 0; i < SharedObjects.Count; i++)
            bytes += SmallObject + StringBytes(SharedObjects[i].Path) + StringBytes(SharedObjects[i].Signature);
        for (int i = 0; i < LoadedModules.Count; i++)
            bytes += SmallObject + StringBytes(LoadedModules[i].Name);
        return bytes;

        static long StringBytes(string? value) => value is null ? 0 : 24 + 2L * value.Length;
        static long ListBytes(int count) => count == 0 ? 0 : SmallObject + 8L * count;
    }

    /// <summary>What is implausible about this record (derived from its fields, not stored).</summary>
    public RecordAnomalies Anomalies
    {
        get
        {
            long received = ReceivedAt.ToUnixTimeSeconds();
            long offset = (long)MaxClockOffset.TotalSeconds;
            var anomalies = Pid <= 0 ? RecordAnomalies.Pid : RecordAnomalies.None;
            // Compared without subtracting from Time, which the sender chooses and may overflow.
            if (Time < received - offset || Time > received + offset)
                anomalies |= RecordAnomalies.Time;
            return anomalies;
        }
    }
}
