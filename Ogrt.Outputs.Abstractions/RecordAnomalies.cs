namespace Ogrt.Outputs.Abstractions;

/// <summary>
/// What is implausible about a record. Such a record is still delivered (it may be the trace
/// of a bug or an attack worth seeing), flagged in its JSON (<c>"anomalies":["pid","time"]</c>)
/// and counted by the collector.
/// </summary>
[Flags]
public enum RecordAnomalies
{
    None = 0,

    /// <summary><c>pid</c> ≤ 0: no process has such an id.</summary>
    Pid = 1,

    /// <summary><c>time</c> more than <see cref="ProcessRecord.MaxClockOffset"/> away from when the collector received the record.</summary>
    Time = 2,
}
