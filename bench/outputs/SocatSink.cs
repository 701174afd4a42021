using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Ogrt.Outputs.Bench;

/// <summary><c>socat -u TCP-LISTEN:port,fork OPEN:/dev/null</c>: a real TCP receiver that discards.</summary>
internal sealed class SocatSink : IDisposable
{
    private readonly Process _process;

    private SocatSink(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The running sink, or null when socat is not installed.</summary>
    public static SocatSink? TryStart()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var start = new ProcessStartInfo("socat") { UseShellExecute = false };
        foreach (string argument in new[] { "-u", $"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork", "OPEN:/dev/null" })
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        string hexPort = $":{port:X4}";
        var deadline = Stopwatch.StartNew();
        while (!System.IO.File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(fields => fields[1].EndsWith(hexPort, StringComparison.Ordinal) && fields[3] == "0A"))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
                throw new InvalidOperationException("socat did not start listening");
            Thread.Sleep(20);
        }
        return new SocatSink(process, port);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
    }
}
