using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Ogrt.Outputs.TestSupport;

/// <summary>
/// A real TCP receiver: <c>socat -u TCP-LISTEN:port,fork OPEN:file,append</c> appends every
/// byte it reads to a file, as a Splunk TCP input feeding a monitored file would. With a
/// certificate it listens with TLS (OPENSSL-LISTEN).
/// </summary>
public sealed class SocatReceiver : IDisposable
{
    private readonly Process _process;

    private SocatReceiver(Process process)
    {
        _process = process;
    }

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static SocatReceiver Start(int port, string file, (string Certificate, string Key)? tls = null)
    {
        string listen = tls is { } pem
            ? $"OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,cert={pem.Certificate},key={pem.Key},verify=0"
            : $"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork";
        var start = new ProcessStartInfo("socat") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "-u", listen, $"OPEN:{file},creat,append" })
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("These tests need socat (Debian: apt-get install socat).", e);
        }
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) TestContext.Progress.WriteLine($"socat: {line.Data}"); };
        process.BeginErrorReadLine();
        WaitUntilListening(process, port);
        return new SocatReceiver(process);
    }

    /// <summary>
    /// Stops socat and its per-connection children (SIGSTOP): they read nothing more, so what
    /// is sent now stays in socket buffers, as with a receiver that hangs or falls behind.
    /// </summary>
    public void Freeze()
    {
        var pids = new List<int> { _process.Id };
        for (int i = 0; i < pids.Count; i++)
        {
            string children = $"/proc/{pids[i]}/task/{pids[i]}/children";
            if (File.Exists(children))
                pids.AddRange(File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
        }
        var start = new ProcessStartInfo("kill") { UseShellExecute = false };
        start.ArgumentList.Add("-STOP");
        foreach (int pid in pids)
            start.ArgumentList.Add(pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var kill = Process.Start(start)!;
        kill.WaitForExit();
        if (kill.ExitCode != 0)
            throw new InvalidOperationException($"kill -STOP {string.Join(' ', pids)} failed with {kill.ExitCode}");
    }

    /// <summary>Kills socat and its per-connection children at once, as a crash would.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static void WaitUntilListening(Process process, int port)
    {
        var deadline = Stopwatch.StartNew();
        string hexPort = $":{port:X4}";
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited)
                throw new InvalidOperationException($"socat exited with {process.ExitCode} before listening on {port}");
            // A probe connection would be an empty session; /proc shows the listening socket (state 0A) instead.
            if (File.ReadLines("/proc/net/tcp").Skip(1)
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Any(fields => fields[1].EndsWith(hexPort, StringComparison.Ordinal) && fields[3] == "0A"))
                return;
            Thread.Sleep(20);
        }
        throw new TimeoutException($"socat did not listen on {port} within 30 s");
    }
}
