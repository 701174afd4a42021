using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ogrt.Agent.Tests.Infrastructure;

namespace Ogrt.Deployment.Tests.Systemd;

/// <summary>
/// A Debian bookworm root booted with a real systemd as PID 1 under systemd-nspawn, entered with
/// nsenter (the host runs no systemd, so machinectl cannot reach it). The root is mounted with
/// --volatile=overlay: whatever the tests change is gone at power-off, and the cached root stays
/// clean. Its network is private: loopback only.
/// </summary>
public sealed class BootedSystem : IDisposable
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _nspawn;
    private readonly StringBuilder _console = new();
    private int _pid1;

    private BootedSystem(Process nspawn)
    {
        _nspawn = nspawn;
    }

    /// <summary>What nspawn and the booting system printed, for assertion messages.</summary>
    public string Console
    {
        get
        {
            lock (_console)
                return _console.ToString();
        }
    }

    /// <summary>
    /// Makes (or reuses) the root under <paramref name="cacheDirectory"/>, boots it with the
    /// given host directories bound read-only, and waits until systemd has finished booting.
    /// Ignores the test, saying why, only where this kernel or sandbox refuses to start a container.
    /// </summary>
    public static BootedSystem Boot(string cacheDirectory, IReadOnlyDictionary<string, string> readOnlyBinds)
    {
        string root = Path.Combine(cacheDirectory, "bookworm");
        string script = Path.Combine(InstalledTree.RepositoryRoot, "packaging/sysroot/make-debian-root.sh");
        var made = BashScript.Run($"{BashScript.Quote(script)} bookworm {BashScript.Quote(root)} systemd,systemd-sysv,dbus", timeout: TimeSpan.FromMinutes(10));
        Assert.That(made.ExitCode, Is.Zero, $"could not make the bookworm root: {made}");

        var start = new ProcessStartInfo("systemd-nspawn")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "--boot", "--register=no", "--keep-unit", "--private-network", "--volatile=overlay", "--console=passive", "--directory", root })
            start.ArgumentList.Add(argument);
        foreach (var (host, guest) in readOnlyBinds)
            start.ArgumentList.Add($"--bind-ro={host}:{guest}");
        var system = new BootedSystem(Process.Start(start) ?? throw new InvalidOperationException("systemd-nspawn did not start"));
        system._nspawn.OutputDataReceived += (_, e) => system.Append(e.Data);
        system._nspawn.ErrorDataReceived += (_, e) => system.Append(e.Data);
        system._nspawn.BeginOutputReadLine();
        system._nspawn.BeginErrorReadLine();
        try
        {
            system.WaitForBoot();
        }
        catch
        {
            system.Dispose();
            throw;
        }
        return system;
    }

    /// <summary>Runs a bash script inside, as root, in a clean environment.</summary>
    public ShellResult Run(string script, TimeSpan? timeout = null) =>
        BashScript.Run($"nsenter --target {_pid1} --all /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -c {BashScript.Quote(script)}",
            timeout: timeout);

    /// <summary>Runs a script that must succeed and returns its trimmed standard output.</summary>
    public string Output(string script)
    {
        var result = Run(script);
        Assert.That(result.ExitCode, Is.Zero, $"{script}\n{result}");
        return result.Output.Trim();
    }

    /// <summary>
    /// Powers the system off: nspawn turns SIGTERM into an orderly shutdown of the container.
    /// If that does not end it in time, its PID 1 is killed, which ends every process of the
    /// container (killing only nspawn would leave the booted system running as an orphan).
    /// </summary>
    public void Dispose()
    {
        if (!_nspawn.HasExited)
        {
            ProcessSignal.Send(_nspawn.Id, "TERM");
            if (!_nspawn.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                if (_pid1 != 0)
                    ProcessSignal.Send(_pid1, "KILL");
                _nspawn.Kill(entireProcessTree: true);
            }
        }
        _nspawn.WaitForExit();
        _nspawn.Dispose();
    }

    private void WaitForBoot()
    {
        var deadline = Stopwatch.StartNew();
        while ((_pid1 = FindPid1()) == 0)
        {
            if (_nspawn.HasExited)
            {
                _nspawn.WaitForExit();
                Assert.Ignore($"systemd-nspawn cannot boot a container on this machine (exit {_nspawn.ExitCode}); the real-systemd tests did not run:\n{Console}");
            }
            if (deadline.Elapsed > BootTimeout)
                Assert.Fail($"no systemd PID 1 appeared within {BootTimeout}:\n{Console}");
            Thread.Sleep(100);
        }
        // "degraded" is still booted: a minimal root may lack what some stock unit wants.
        // PID 1 answers systemctl once its private socket exists.
        var state = Run("until [ -S /run/systemd/private ]; do sleep 0.1; done; systemctl is-system-running --wait", BootTimeout);
        Assert.That(state.Output.Trim(), Is.AnyOf("running", "degraded"), $"the container did not finish booting: {state}\n{Console}");
    }

    /// <summary>The container's PID 1 as the host sees it: nspawn's child running systemd.</summary>
    private int FindPid1()
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{_nspawn.Id}/task");
        }
        catch (DirectoryNotFoundException)
        {
            return 0;
        }
        foreach (string task in tasks)
        {
            string children = TryReadText(Path.Combine(task, "children")) ?? "";
            foreach (string child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (TryReadText($"/proc/{child}/comm")?.Trim() == "systemd")
                    return int.Parse(child, CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    private static string? TryReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_console)
            _console.AppendLine(line);
    }
}
