namespace Ogrt.Agent.Service.EndRecords;

/// <summary>What one read of the taskstats listener brought.</summary>
internal enum ExitReceive
{
    Message,
    /// <summary>Nothing queued.</summary>
    Empty,
    /// <summary>The kernel dropped reports: the receive buffer was full (ENOBUFS).</summary>
    Overrun,
    /// <summary>A message another process sent to the socket: dropped and counted.</summary>
    NotFromKernel,
}
