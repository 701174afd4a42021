namespace Ogrt.Agent.Wire;

/// <summary>
/// The gate's message to the node capture service (native/ogrt_agent_message.h), for the C#
/// sides of it: the service that reads it and the capture process that sends fallback notices.
/// </summary>
internal static class AgentMessageFormat
{
    public const string DefaultSocketPath = "/run/ogrt/agent.sock";
    public const uint Magic = 0x4f475254;
    public const ushort Version = 1;
    public const int HeaderLength = 32;
    public const int MaxLength = 160 * 1024;
    public const ushort FlagTruncated = 0x1;
    public const ushort FlagFallbackNotice = 0x2;
}
