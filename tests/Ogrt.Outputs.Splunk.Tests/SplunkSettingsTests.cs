using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.TestSupport;

namespace Ogrt.Outputs.Splunk.Tests;

public sealed class SplunkSettingsTests
{
    private static IEnumerable<TestCaseData> InvalidSettings()
    {
        yield return Case("Outputs:Test:Mode", "is required", []);
        yield return Case("Outputs:Test:Mode", "not one of Tcp, Hec", new() { ["Mode"] = "Syslog" });
        yield return Case("Outputs:Test:Host", "is required", new() { ["Mode"] = "Tcp", ["Port"] = "9997" });
        yield return Case("Outputs:Test:Host", "not a host name", new() { ["Mode"] = "Tcp", ["Host"] = "bad host!", ["Port"] = "9997" });
        yield return Case("Outputs:Test:Port", "is required", new() { ["Mode"] = "Tcp", ["Host"] = "splunk" });
        yield return Case("Outputs:Test:Port", "must be between 1 and 65535", new() { ["Mode"] = "Tcp", ["Host"] = "splunk", ["Port"] = "70000" });
        yield return Case("Outputs:Test:Tls", "need Tls: true", new() { ["Mode"] = "Tcp", ["Host"] = "splunk", ["Port"] = "9997", ["InsecureSkipVerify"] = "true" });
        yield return Case("Outputs:Test:CaFile", "cannot read CA", new() { ["Mode"] = "Tcp", ["Host"] = "splunk", ["Port"] = "9997", ["Tls"] = "true", ["CaFile"] = "missing/ca.pem" });
        yield return Case("Outputs:Test:Url", "is required", new() { ["Mode"] = "Hec", ["Token"] = "t" });
        yield return Case("Outputs:Test:Url", "not an absolute http", new() { ["Mode"] = "Hec", ["Url"] = "splunk:8088", ["Token"] = "t" });
        yield return Case("Outputs:Test:Url", "must not contain credentials", new() { ["Mode"] = "Hec", ["Url"] = "https://admin:pw@splunk:8088", ["Token"] = "t" });
        yield return Case("Outputs:Test:Token", "is required", new() { ["Mode"] = "Hec", ["Url"] = "https://splunk:8088" });
        yield return Case("Outputs:Test:AckTimeout", "not a duration", new() { ["Mode"] = "Hec", ["Url"] = "https://splunk:8088", ["Token"] = "t", ["AckTimeout"] = "soon" });
    }

    [TestCaseSource(nameof(InvalidSettings))]
    public void InvalidSettingsNameTheirKey(string key, string message, Dictionary<string, string?> settings)
    {
        using var context = new TestOutputContext("Splunk", settings);

        var error = Assert.Throws<OutputConfigurationException>(() => context.CreateOutput(new SplunkOutputFactory()));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Key, Is.EqualTo(key));
            Assert.That(error.Message, Does.StartWith(key + ": ").And.Contain(message));
        });
    }

    private static TestCaseData Case(string key, string message, Dictionary<string, string?> settings) =>
        new TestCaseData(key, message, settings).SetArgDisplayNames(key, message);
}
