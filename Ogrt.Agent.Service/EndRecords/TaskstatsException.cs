namespace Ogrt.Agent.Service.EndRecords;

/// <summary>The kernel's taskstats cannot be used: why, with the errno it gave (0 when none).</summary>
internal sealed class TaskstatsException(int errno, string message) : Exception(message)
{
    public int Errno { get; } = errno;
}
