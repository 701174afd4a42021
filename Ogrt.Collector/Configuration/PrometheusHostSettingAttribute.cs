using Ogrt.Outputs.Sdk.Configuration;

namespace Ogrt.Collector.Configuration;

/// <summary>The host part of an HttpListener prefix: a host name, an address ([::1] for IPv6) or *.</summary>
internal sealed class PrometheusHostSettingAttribute : SettingAttribute
{
    protected override string? Check(object? value) =>
        value is string host && (host.Contains('/', StringComparison.Ordinal) || (host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[')))
            ? $"must be a host name, an address, or * (got '{host}')"
            : null;
}
