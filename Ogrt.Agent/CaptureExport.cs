using System.Runtime.InteropServices;
using Ogrt.Agent.Capture;

namespace Ogrt.Agent;

/// <summary>The library's only export, called once by the gate in the capture process.</summary>
internal static unsafe class CaptureExport
{
    /// <summary>
    /// <c>int ogrt_capture(const struct ogrt_capture_request *)</c>: 0 when a datagram was
    /// sent, a negative <see cref="CaptureStatus"/> otherwise. Never throws into native code.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "ogrt_capture")]
    internal static int Capture(CaptureRequest* request)
    {
        try
        {
            return (int)ProcessCapture.Run(request);
        }
        catch (Exception)
        {
            return (int)CaptureStatus.UnexpectedError;
        }
    }
}
