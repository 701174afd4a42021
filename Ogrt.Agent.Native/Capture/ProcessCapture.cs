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
    private const int PathMax = 4096;

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
        var cwd = new byte[PathMax];
        var snapshot = new ProcessSnapshot
        {
            Binpath = request->ExecutablePath is not null
                ? MemoryMarshal.CreateReadOnlySpanFromNullTerminated(request->ExecutablePath)
                : default,
            Pid = request->Pid,
            ParentPid = request->ParentPid,
            TimeMicroseconds = request->TimeMicroseconds,
            JobId = settings.FindJobId(environment),
            Username = settings.SendUsername ? ReadUsername(environment) : default,
            Hostname = settings.SendHostname ? ReadHostname(utsname) : default,
            Cwd = ReadWorkingDirectory(cwd),
            AgentVersion = BuildDefaults.AgentVersion,
            Uid = Libc.getuid(),
            Gid = Libc.getgid(),
            Arguments = settings.SendCmdline && request->Arguments is not null
                ? NativeTextList.FromArray(request->Arguments, request->ArgumentCount)
                : null,
            LoadedModules = settings.SendModules
                ? NativeTextList.FromSeparated(environment.GetValue("LOADEDMODULES"u8), (byte)':')
                : null,
        };
        var selected = new NativeTextList(16);
        environment.Select(new EnvironmentCaptureFilter(settings.EnvironmentCapture), selected);
        snapshot.Environment = selected;
        var objects = LoadedObjectList.Capture(request->ObjectCount, request->ExecutablePath);
        snapshot.SharedObjects = objects;
        snapshot.Signature = objects.ExecutableSignature;

        int length = ProcessInfoEncoder.Encode(snapshot, datagram);
        var status = DatagramSender.Send(collector, datagram.AsSpan(0, length), out int error);
        if (debug && status == CaptureStatus.Sent)
            PrintSent(line, length, objects.Count, collector);
        else if (debug)
            PrintFailure(line, status == CaptureStatus.UnresolvedCollector ? "cannot resolve collector "u8 : "cannot send to collector "u8, collector.Host, error);
        return status;
    }

    /// <summary>USER, then LOGNAME, then the passwd entry of the real uid.</summary>
    private static ReadOnlySpan<byte> ReadUsername(in EnvironmentBlock environment)
    {
        var name = environment.GetValue("USER"u8);
        if (name.IsEmpty)
            name = environment.GetValue("LOGNAME"u8);
        return name.IsEmpty ? ReadPasswdName(Libc.getuid()) : name;
    }

    private static byte[] ReadPasswdName(uint uid)
    {
        Passwd entry;
        Passwd* result = null;
        for (int size = 1024; size <= 1 << 20; size *= 4)
        {
            var buffer = new byte[size];
            fixed (byte* scratch = buffer)
            {
                int error = Libc.getpwuid_r(uid, &entry, scratch, (nuint)size, &result);
                if (error == 0 && result is not null && entry.Name is not null)
                    return MemoryMarshal.CreateReadOnlySpanFromNullTerminated(entry.Name).ToArray();
                if (error != Libc.ERANGE)
                    return [];
            }
        }
        return [];
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
        line.Append(BuildDefaults.AgentVersion);
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
