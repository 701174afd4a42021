using Ogrt.Agent.Settings;
using Ogrt.Agent.Wire;
using Ogrt.Protocol;

namespace Ogrt.Agent.Service.EndRecords;

/// <summary>
/// Serializes one ProcessEnd datagram (message type 16, field numbers of protocol/ogrt.proto):
/// the run's start key, then how it ended and what it used.
/// </summary>
internal static class ProcessEndEncoder
{
    /// <summary>Strings are stored cut to this (PATH_MAX), so a datagram never exceeds <see cref="MaxDatagramLength"/>.</summary>
    public const int MaxTextLength = ProcessInfoEncoder.MaxTextLength;
    public const int MaxDatagramLength = MessageFrame.HeaderSize + 5 * (MaxTextLength + 8) + 20 * 12;

    // Field numbers: the constants generated from ogrt.proto (nothing else of it is compiled in).

    /// <summary>
    /// Writes the end of <paramref name="run"/> (pid <paramref name="pid"/>), whose last thread
    /// is <paramref name="last"/>, into <paramref name="datagram"/>; returns the length.
    /// </summary>
    public static int Encode(TrackedRun run, int pid, in TaskRecord last, ReadOnlySpan<byte> hostname, long endTimeMicroseconds, Span<byte> datagram)
    {
        var writer = new ProtobufWriter(datagram[MessageFrame.HeaderSize..]);
        writer.WriteTextField(ProcessEnd.HostnameFieldNumber, hostname);
        writer.WriteInt64Field(ProcessEnd.PidFieldNumber, pid);
        writer.WriteInt64Field(ProcessEnd.StartTimeUsFieldNumber, run.StartTimeMicroseconds);
        writer.WriteTextField(ProcessEnd.BinpathFieldNumber, run.Binpath);
        if (run.JobId.Length > 0)
            writer.WriteTextField(ProcessEnd.JobIdFieldNumber, run.JobId);
        if (run.Username.Length > 0)
            writer.WriteTextField(ProcessEnd.UsernameFieldNumber, run.Username);
        writer.WriteUInt32Field(ProcessEnd.UidFieldNumber, run.Uid);

        // The wait status: a signal in the low 7 bits (0x80: a core was written; the kernel's
        // ACORE flag only says one was attempted), else the exit code above them.
        int signal = last.Status & 0x7f;
        if (signal == 0)
        {
            writer.WriteInt64Field(ProcessEnd.ExitCodeFieldNumber, (last.Status >> 8) & 0xff);
        }
        else
        {
            writer.WriteInt64Field(ProcessEnd.SignalFieldNumber, signal);
            writer.WriteBoolField(ProcessEnd.CoreDumpedFieldNumber, (last.Status & 0x80) != 0);
        }
        writer.WriteInt64Field(ProcessEnd.EndTimeUsFieldNumber, endTimeMicroseconds);
        writer.WriteInt64Field(ProcessEnd.WallTimeUsFieldNumber, last.GroupElapsedMicroseconds);
        writer.WriteInt64Field(ProcessEnd.UserCpuUsFieldNumber, run.UserMicroseconds);
        writer.WriteInt64Field(ProcessEnd.SystemCpuUsFieldNumber, run.SystemMicroseconds);
        writer.WriteInt64Field(ProcessEnd.MaxRssKibFieldNumber, last.MaxRssKib);
        writer.WriteInt64Field(ProcessEnd.ReadBytesFieldNumber, run.ReadBytes);
        writer.WriteInt64Field(ProcessEnd.WriteBytesFieldNumber, run.WriteBytes);
        writer.WriteInt64Field(ProcessEnd.VoluntaryContextSwitchesFieldNumber, run.VoluntarySwitches);
        writer.WriteInt64Field(ProcessEnd.InvoluntaryContextSwitchesFieldNumber, run.InvoluntarySwitches);
        writer.WriteTextField(ProcessEnd.AgentVersionFieldNumber, BuildDefaults.Version);

        MessageFrame.WriteHeader(datagram, MessageType.ProcessEndMsg, writer.Position);
        return MessageFrame.HeaderSize + writer.Position;
    }
}
