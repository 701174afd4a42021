namespace Ogrt.Agent.Tests.Infrastructure;

/// <summary>Stops a process (SIGSTOP) until disposed (SIGCONT): a service that cannot keep up.</summary>
public sealed class ProcessPause : IDisposable
{
    private readonly int _pid;

    public ProcessPause(int pid)
    {
        _pid = pid;
        ProcessSignal.Send(pid, "STOP");
    }

    public void Dispose() => ProcessSignal.Send(_pid, "CONT");
}
