using System.Runtime.InteropServices;
using System.Text;
using Ogrt.Agent.Service.EndRecords;
using Ogrt.Agent.Settings;
using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Service;

public static class Program
{
    /// <summary>sysexits.h EX_CONFIG: the unit does not restart on it.</summary>
    private const int ConfigurationError = 78;
    private const int EPERM = 1;

    public static int Main(string[] args)
    {
        ServiceOptions options;
        try
        {
            options = ServiceOptions.Parse(args, Environment.GetEnvironmentVariable);
        }
        catch (ArgumentException e)
        {
            ServiceLog.Error($"ogrt-agent-service: {e.Message}\n{ServiceOptions.Usage}");
            return ConfigurationError;
        }

        AgentSocket socket;
        try
        {
            socket = options.SocketPath is null
                ? AgentSocket.FromSystemd() ?? AgentSocket.Bind(AgentMessageFormat.DefaultSocketPath, options.ReceiveBufferBytes)
                : AgentSocket.Bind(options.SocketPath, options.ReceiveBufferBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            ServiceLog.Error($"ogrt-agent-service: cannot open the agent socket: {e.Message}");
            return ConfigurationError;
        }

        CollectorAddress.TryParse(options.Collector, out var address);
        using var collector = new CollectorSender(address.Host, address.Port, TimeSpan.FromSeconds(30));
        collector.Start();
        var counters = new ServiceCounters();
        byte[] hostname = Hostname();
        using var endRecords = StartEndRecords(options, collector, counters, hostname);
        if (endRecords is not null)
            socket.SetReceiveTimeout(EndRecordService.ReadInterval);
        using (socket)
        using (var service = new CaptureService(socket, collector, options, hostname, counters, endRecords))
        {
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            ServiceLog.Information($"ogrt-agent-service: receiving on the {socket.Description}, sending to {Encoding.UTF8.GetString(options.Collector)}"
                + (collector.ResolvedTo is { } resolved ? $" ({resolved})" : " (not resolved yet: retrying every 2 s)"));
            service.Run();
            ServiceLog.Information($"ogrt-agent-service: stopping; {service.Counters.Format().ReplaceLineEndings(", ").TrimEnd(' ', ',')}");

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                service.Stop();
            }
        }
        return 0;
    }

    /// <summary>The taskstats listener, or null (said once in the log, and in the counters for `ogrt doctor`).</summary>
    private static EndRecordService? StartEndRecords(ServiceOptions options, CollectorSender collector, ServiceCounters counters, byte[] hostname)
    {
        if (!options.EndRecords)
        {
            counters.EndRecords = EndRecordsState.Off;
            ServiceLog.Information("ogrt-agent-service: end records are off (OGRT_END_RECORDS=0 or --end-records off)");
            return null;
        }
        try
        {
            var service = EndRecordService.Start(options, collector, counters, hostname);
            counters.EndRecords = EndRecordsState.On;
            return service;
        }
        catch (TaskstatsException e)
        {
            bool capability = e.Errno == EPERM;
            counters.EndRecords = capability ? EndRecordsState.MissingCapability : EndRecordsState.Unavailable;
            ServiceLog.Warning($"ogrt-agent-service: no end records: the kernel's taskstats cannot be used: {e.Message}"
                + (e.Errno == 0 ? "" : $" (errno {e.Errno})")
                + (capability ? "; start records go on (grant CAP_NET_ADMIN as packaging/systemd/ogrt-agent.service does)"
                    : "; start records go on (taskstats need CONFIG_TASKSTATS, version 12, and the initial user, PID and network namespaces)"));
            return null;
        }
    }

    /// <summary>The node's own name: records say where the process ran, not what its UTS namespace claims.</summary>
    private static byte[] Hostname() => Encoding.UTF8.GetBytes(Environment.MachineName);
}
