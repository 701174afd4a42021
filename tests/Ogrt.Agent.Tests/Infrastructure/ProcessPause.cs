using System.Diagnostics;
using System.Globalization;

namespace Ogrt.Agent.Tests.Infrastructure;

/// <summary>Stops a process (SIGSTOP) until disposed (SIGCONT): a service that cannot keep up.</summary>
public sealed class ProcessPause : IDisposable
{
    private readonly int _pid;

    public ProcessPause(int pid)
    {
        _pid = pid;
        Signal("STOP");
    }

    public void Dispose() => Signal("CONT");

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
