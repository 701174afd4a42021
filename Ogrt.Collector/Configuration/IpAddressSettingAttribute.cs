using System.Net;
using Ogrt.Outputs.Sdk.Configuration;

namespace Ogrt.Collector.Configuration;

/// <summary>A setting that must be an IP address (not a host name: the collector binds to it).</summary>
internal sealed class IpAddressSettingAttribute : SettingAttribute
{
    protected override string? Check(object? value) =>
        value is string text && !IPAddress.TryParse(text.Trim(), out _)
            ? $"must be an IP address such as 0.0.0.0, :: or 192.0.2.10 (got '{text}')"
            : null;
}
