namespace Ogrt.Agent;

/// <summary>What <c>ogrt_capture</c> returns: 0 when a datagram was sent, negative otherwise.</summary>
internal enum CaptureStatus
{
    Sent = 0,
    InvalidRequest = -1,
    InvalidCollector = -2,
    UnresolvedCollector = -3,
    SendFailed = -4,
    UnexpectedError = -5,
}
