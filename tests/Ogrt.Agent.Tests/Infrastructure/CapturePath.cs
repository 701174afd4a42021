namespace Ogrt.Agent.Tests.Infrastructure;

/// <summary>How a tracked process's capture reaches the collector (OGRT_CAPTURE).</summary>
public enum CapturePath
{
    /// <summary>A detached capture process forked by the gate.</summary>
    Fork,

    /// <summary>The node capture service, over its UNIX datagram socket.</summary>
    Service,
}
