using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Shared;
using Ogrt.Outputs.Splunk.Hec;
using Ogrt.Outputs.Splunk.Tcp;

namespace Ogrt.Outputs.Splunk;

/// <summary>Creates the outputs configured with <c>Type: Splunk</c>, in TCP or HEC mode.</summary>
public sealed class SplunkOutputFactory : IOutputFactory
{
    // Both modes' settings: a key of the other mode is accepted (and unused), a typo is not.
    private static readonly string[] AllSettings = ["Mode", .. SplunkTcpSettings.Keys.Union(SplunkHecSettings.Keys)];

    public string Type => "Splunk";

    public IReadOnlyCollection<string> Settings => AllSettings;

    public IOutput Create(OutputContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var reader = new SectionReader(context);
        string mode = reader.GetRequiredString("Mode");
        if (!Enum.TryParse<SplunkMode>(mode, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            throw reader.Error("Mode", $"'{mode}' is not Tcp or Hec");
        return parsed == SplunkMode.Tcp
            ? new SplunkTcpOutput(context, SplunkTcpSettings.Read(reader))
            : new SplunkHecOutput(context, SplunkHecSettings.Read(reader));
    }
}
