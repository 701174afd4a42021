using System.Buffers.Binary;
using Ogrt.Agent.Settings;
using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Service.EndRecords;

/// <summary>
/// Serializes one ProcessEnd datagram (message type 16, field numbers of protocol/ogrt.proto):
/// the run's start key, then how it ended and what it used.
/// </summary>
internal static class ProcessEndEncoder
{
    public const uint ProcessEndMessageType = 16;

    /// <summary>Strings are stored cut to this (PATH_MAX), so a datagram never exceeds <see cref="MaxDatagramLength"/>.</summary>
    public const int MaxTextLength = ProcessInfoEncoder.MaxTextLength;
    public const int MaxDatagramLength = ProcessInfoEncoder.HeaderLength + 5 * (MaxTextLength + 8) + 20 * 12;

    private const int HostnameField = 1000;
    private const int PidField = 1001;
    private const int StartTimeField = 1002;
    private const int BinpathField = 1003;
    private const int JobIdField = 1004;
    private const int UsernameField = 1005;
    private const int UidField = 1006;
    private const int ExitCodeField = 1007;
    private const int SignalField = 1008;
    private const int CoreDumpedField = 1009;
    private const int EndTimeField = 1010;
    private const int WallTimeField = 1011;
    private const int UserCpuField = 1012;
    private const int SystemCpuField = 1013;
    private const int MaxRssField = 1014;
    private const int ReadBytesField = 1015;
    private const int WriteBytesField = 1016;
    private const int VoluntarySwitchesField = 1017;
    private const int InvoluntarySwitchesField = 1018;
    private const int AgentVersionField = 1019;

    /// <summary>
    /// Writes the end of <paramref name="run"/> (pid <paramref name="pid"/>), whose last thread
    /// is <paramref name="last"/>, into <paramref name="datagram"/>; returns the length.
    /// </summary>
    public static int Encode(TrackedRun run, int pid, in TaskRecord last, ReadOnlySpan<byte> hostname, long endTimeMicroseconds, Span<byte> datagram)
    {
        var writer = new ProtobufWriter(datagram[ProcessInfoEncoder.HeaderLength..]);
        writer.WriteTextField(HostnameField, hostname);
        writer.WriteInt64Field(PidField, pid);
        writer.WriteInt64Field(StartTimeField, run.StartTimeMicroseconds);
        writer.WriteTextField(BinpathField, run.Binpath);
        if (run.JobId.Length > 0)
            writer.WriteTextField(JobIdField, run.JobId);
        if (run.Username.Length > 0)
            writer.WriteTextField(UsernameField, run.Username);
        writer.WriteUInt32Field(UidField, run.Uid);

        // The wait status: a signal in the low 7 bits (0x80: a core was written; the kernel's
        // ACORE flag only says one was attempted), else the exit code above them.
        int signal = last.Status & 0x7f;
        if (signal == 0)
        {
            writer.WriteInt64Field(ExitCodeField, (last.Status >> 8) & 0xff);
        }
        else
        {
            writer.WriteInt64Field(SignalField, signal);
            writer.WriteBoolField(CoreDumpedField, (last.Status & 0x80) != 0);
        }
        writer.WriteInt64Field(EndTimeField, endTimeMicroseconds);
        writer.WriteInt64Field(WallTimeField, last.GroupElapsedMicroseconds);
        writer.WriteInt64Field(UserCpuField, run.UserMicroseconds);
        writer.WriteInt64Field(SystemCpuField, run.SystemMicroseconds);
        writer.WriteInt64Field(MaxRssField, last.MaxRssKib);
        writer.WriteInt64Field(ReadBytesField, run.ReadBytes);
        writer.WriteInt64Field(WriteBytesField, run.WriteBytes);
        writer.WriteInt64Field(VoluntarySwitchesField, run.VoluntarySwitches);
        writer.WriteInt64Field(InvoluntarySwitchesField, run.InvoluntarySwitches);
        writer.WriteTextField(AgentVersionField, BuildDefaults.AgentVersion);

        BinaryPrimitives.WriteUInt32BigEndian(datagram, ProcessEndMessageType);
        BinaryPrimitives.WriteUInt32BigEndian(datagram[4..], (uint)writer.Position);
        return ProcessInfoEncoder.HeaderLength + writer.Position;
    }
}
