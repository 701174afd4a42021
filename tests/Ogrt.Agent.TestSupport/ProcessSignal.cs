using System.Diagnostics;
using System.Globalization;

namespace Ogrt.Agent.Tests.Infrastructure;

/// <summary>Sends a signal by name (TERM, STOP, CONT, KILL) with kill(1), as an operator or systemd would.</summary>
public static class ProcessSignal
{
    public static void Send(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("kill did not start");
        kill.WaitForExit();
    }
}
