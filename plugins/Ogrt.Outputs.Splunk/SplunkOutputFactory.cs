using Microsoft.Extensions.Configuration;
using Ogrt.Outputs.Sdk.Configuration;
using Ogrt.Outputs.Sdk.Tls;
using Ogrt.Outputs.Splunk.Hec;
using Ogrt.Outputs.Splunk.Tcp;

namespace Ogrt.Outputs.Splunk;

/// <summary>Creates the outputs configured with <c>Type: Splunk</c>, in TCP or HEC mode.</summary>
public sealed class SplunkOutputFactory : IOutputFactory
{
    public string Type => "Splunk";

    public IOutput Create(OutputContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var section = context.Configuration;
        var errors = new ConfigurationErrors();
        var options = SectionBinder.Bind(section, errors, static (configuration, options) => configuration.Bind(options, SectionBinder.Strict), new SplunkOptionsValidator());
        var tls = ServerCertificateCheck.Create(options, section.Path, context, errors);
        var tcp = options.Mode == SplunkMode.Tcp ? SplunkTcpSettings.From(options, section.Path, tls, errors) : null;
        var hec = options.Mode == SplunkMode.Hec ? SplunkHecSettings.From(options, section.Path, tls, errors) : null;
        errors.ThrowIfAny();
        return tcp is not null ? new SplunkTcpOutput(context, tcp) : new SplunkHecOutput(context, hec!);
    }
}
