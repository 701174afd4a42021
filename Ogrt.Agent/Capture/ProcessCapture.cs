using System.Runtime.InteropServices;
using Ogrt.Agent.Interop;
using Ogrt.Agent.Settings;
using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Capture;

/// <summary>
/// One capture: reads the settings from the tracked process's environment, collects the
/// process's data from its (copy-on-write) memory and libc, encodes and sends the datagram.
/// </summary>
internal static unsafe class ProcessCapture
{
    private const int UtsnameFieldLength = 65;
    private const int UtsnameLength = 6 * UtsnameFieldLength;

    public static CaptureStatus Run(CaptureRequest* request)
    {
        if (request is null || request->Version != CaptureRequest.AbiVersion || request->ArgumentCount < 0)
            return CaptureStatus.InvalidRequest;
        bool debug = (request->Flags & CaptureRequest.FlagDebugInfo) != 0;
        var environment = new EnvironmentBlock(request->Environment);
        var settings = CaptureSettings.Read(environment);
        Span<byte> line = stackalloc byte[1024];
        if (debug)
            PrintSettings(settings, line);
        if (!CollectorAddress.TryParse(settings.Collector, out var collector))
        {
            if (debug)
                PrintFailure(line, "invalid collector address (OGRT_COLLECTOR): "u8, settings.Collector, 0);
            return CaptureStatus.InvalidCollector;
        }

        var datagram = new byte[ProcessInfoEncoder.MaxDatagramLength];
        Span<byte> utsname = stackalloc byte[UtsnameLength];
        var cwd = new byte[Libc.PathMax];
        var snapshot = new ProcessSnapshot
        {
            Binpath = request->ExecutablePath is not null
                ? MemoryMarshal.CreateReadOnlySpanFromNullTerminated(request->ExecutablePath)
                : default,
            Pid = request->Pid,
            ParentPid = request->ParentPid,
            TimeMicroseconds = request->TimeMicroseconds,
            // The real uid's passwd name, never $USER: as upstream, and as the service path.
            Username = settings.SendUsername ? PasswdName.Of(Libc.getuid()) : default,
            Hostname = settings.SendHostname ? ReadHostname(utsname) : default,
            Cwd = ReadWorkingDirectory(cwd),
            Uid = Libc.getuid(),
            Gid = Libc.getgid(),
        };
        SettingsFields.Fill(ref snapshot, settings, environment, request->Arguments, request->ArgumentCount);
        var objects = LoadedObjectList.Capture(request->ObjectCount, out var programSignature);
        snapshot.SharedObjects = objects;
        snapshot.Signature = programSignature;

        int length = ProcessInfoEncoder.Encode(snapshot, datagram);
        var status = DatagramSender.Send(collector, datagram.AsSpan(0, length), out int error);
        if ((request->Flags & CaptureRequest.FlagServiceBusy) != 0)
            FallbackNotice.Send(environment.GetValue("OGRT_AGENT_SOCKET"u8));
        if (debug && status == CaptureStatus.Sent)
            PrintSent(line, length, objects.Count, collector);
        else if (debug)
            PrintFailure(line, status == CaptureStatus.UnresolvedCollector ? "cannot resolve collector "u8 : "cannot send to collector "u8, collector.Host, error);
        return status;
    }

    private static ReadOnlySpan<byte> ReadHostname(Span<byte> utsname)
    {
        fixed (byte* buffer = utsname)
        {
            if (Libc.uname(buffer) != 0)
                return default;
        }
        var nodename = utsname.Slice(UtsnameFieldLength, UtsnameFieldLength);
        int end = nodename.IndexOf((byte)0);
        return end < 0 ? nodename : nodename[..end];
    }

    private static ReadOnlySpan<byte> ReadWorkingDirectory(byte[] buffer)
    {
        fixed (byte* start = buffer)
        {
            if (Libc.getcwd(start, (nuint)buffer.Length) is null)
                return default;
        }
        int end = Array.IndexOf(buffer, (byte)0);
        return buffer.AsSpan(0, end < 0 ? buffer.Length : end);
    }

    private static void PrintSettings(scoped in CaptureSettings settings, Span<byte> buffer)
    {
        var line = new DiagnosticLine(buffer);
        line.Append("collector="u8);
        line.Append(settings.Collector);
        line.Append(" jobid_vars="u8);
        line.Append(settings.JobIdVariables);
        line.Append(" env_capture="u8);
        line.Append(settings.EnvironmentCapture.IsEmpty ? "none"u8 : settings.EnvironmentCapture);
        line.Append(" send_username="u8, settings.SendUsername);
        line.Append(" send_hostname="u8, settings.SendHostname);
        line.Append(" send_cmdline="u8, settings.SendCmdline);
        line.Append(" send_modules="u8, settings.SendModules);
        line.Append(" version="u8);
        line.Append(BuildDefaults.Version);
        line.WriteToStandardError();
    }

    private static void PrintSent(Span<byte> buffer, int length, int objectCount, scoped in CollectorAddress collector)
    {
        var line = new DiagnosticLine(buffer);
        line.Append("sent "u8);
        line.Append(length);
        line.Append(" bytes ("u8);
        line.Append(objectCount);
        line.Append(" objects) to "u8);
        line.Append(collector.Host);
        line.Append(":"u8);
        line.Append(collector.Port);
        line.WriteToStandardError();
    }

    private static void PrintFailure(Span<byte> buffer, ReadOnlySpan<byte> reason, ReadOnlySpan<byte> subject, int error)
    {
        var line = new DiagnosticLine(buffer);
        line.Append(reason);
        line.Append(subject);
        if (error != 0)
        {
            line.Append(" (error "u8);
            line.Append(error);
            line.Append(")"u8);
        }
        line.WriteToStandardError();
    }
}
