namespace Ogrt.Deployment.Tests;

/// <summary>What a finished shell command left behind.</summary>
public sealed record ShellResult(int ExitCode, string Output, string Error)
{
    /// <summary>Both streams, for assertion messages.</summary>
    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}";
}
