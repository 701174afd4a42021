namespace Ogrt.Agent.Tests.Infrastructure;

/// <summary>What a finished process left behind: its pid, exit code and complete output.</summary>
public sealed record ProcessResult(int Pid, int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() =>
        $"pid {Pid} exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
