using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.TestSupport;

namespace Ogrt.Outputs.Elasticsearch.Tests;

public sealed class ElasticsearchSettingsTests
{
    private static IEnumerable<TestCaseData> InvalidSettings()
    {
        yield return Case("Outputs:Test:Nodes", "at least one node", []);
        yield return Case("Outputs:Test:Nodes:0", "not an absolute http", new() { ["Nodes:0"] = "localhost:9200" });
        yield return Case("Outputs:Test:Nodes:1", "not an absolute http", new() { ["Nodes:0"] = "http://a:9200", ["Nodes:1"] = "ftp://b" });
        yield return Case("Outputs:Test:Index", "must be lowercase", Valid(new() { ["Index"] = "OGRT-{yyyy.MM.dd}" }));
        yield return Case("Outputs:Test:Index", "no date part", Valid(new() { ["Index"] = "ogrt" }));
        yield return Case("Outputs:Test:Index", "without '}'", Valid(new() { ["Index"] = "ogrt-{yyyy" }));
        yield return Case("Outputs:Test:Index", "must start with a literal prefix", Valid(new() { ["Index"] = "{yyyy.MM.dd}-ogrt" }));
        yield return Case("Outputs:Test:TemplatePriority", "must be between 0 and", Valid(new() { ["TemplatePriority"] = "-1" }));
        yield return Case("Outputs:Test:DataStream", "cannot be combined", Valid(new() { ["Index"] = "ogrt-{yyyy}", ["DataStream"] = "logs-ogrt-default" }));
        yield return Case("Outputs:Test:DataStream", "must not contain", Valid(new() { ["DataStream"] = "logs ogrt" }));
        yield return Case("Outputs:Test:Password", "needs both", Valid(new() { ["Username"] = "ogrt" }));
        yield return Case("Outputs:Test:ApiKey", "cannot be combined", Valid(new() { ["Username"] = "u", ["Password"] = "p", ["ApiKey"] = "k" }));
        yield return Case("Outputs:Test:CaFile", "cannot read CA", Valid(new() { ["CaFile"] = "/nonexistent/ca.pem" }));
        yield return Case("Outputs:Test:MaxBulkBytes", "must be between 65536 and", Valid(new() { ["MaxBulkBytes"] = "10" }));
        yield return Case("Outputs:Test:MaxBulkRecords", "not a whole number", Valid(new() { ["MaxBulkRecords"] = "many" }));
        yield return Case("Outputs:Test:RequestTimeout", "not a duration", Valid(new() { ["RequestTimeout"] = "30" }));
        yield return Case("Outputs:Test:Gzip", "not true or false", Valid(new() { ["Gzip"] = "yes" }));
        yield return Case("Outputs:Test:TemplateApi", "not one of Composable, Legacy", Valid(new() { ["TemplateApi"] = "v8" }));
        yield return Case("Outputs:Test:TemplateApi", "composable template", Valid(new() { ["InstallTemplate"] = "true", ["TemplateApi"] = "Legacy", ["DataStream"] = "logs-ogrt-default" }));
    }

    [TestCaseSource(nameof(InvalidSettings))]
    public void InvalidSettingsNameTheirKey(string key, string message, Dictionary<string, string?> settings)
    {
        using var context = new TestOutputContext("Elasticsearch", settings);

        var error = Assert.Throws<OutputConfigurationException>(() => context.CreateOutput(new ElasticsearchOutputFactory()));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Key, Is.EqualTo(key));
            Assert.That(error.Message, Does.StartWith(key + ": ").And.Contain(message));
        });
    }

    [Test]
    public void ACaFileWithoutCertificatesIsRefused()
    {
        using var directory = new TemporaryDirectory();
        string path = Path.Combine(directory.Path, "empty.pem");
        File.WriteAllText(path, "not a certificate\n");
        using var context = new TestOutputContext("Elasticsearch", Valid(new() { ["CaFile"] = path }));

        var error = Assert.Throws<OutputConfigurationException>(() => context.CreateOutput(new ElasticsearchOutputFactory()));

        Assert.That(error!.Key, Is.EqualTo("Outputs:Test:CaFile"));
    }

    [Test]
    public void DefaultsAreDailyIndicesWithoutCompression()
    {
        using var context = new TestOutputContext("Elasticsearch", Valid([]));

        var settings = ElasticsearchSettings.Bind(context.Context);

        Assert.Multiple(() =>
        {
            Assert.That(settings.Index!.Format(1_700_000_000), Is.EqualTo("ogrt-2023.11.14"));
            Assert.That(settings.Index.TemplatePattern, Is.EqualTo("ogrt-*"));
            Assert.That(settings.DataStream, Is.Null);
            Assert.That(settings.Options.Gzip, Is.False);
            Assert.That(settings.Options.InstallTemplate, Is.False);
            Assert.That(settings.Nodes.Single(), Is.EqualTo(new Uri("http://es1:9200/")));
        });
    }

    private static Dictionary<string, string?> Valid(Dictionary<string, string?> settings)
    {
        settings["Nodes:0"] = "http://es1:9200";
        return settings;
    }

    private static TestCaseData Case(string key, string message, Dictionary<string, string?> settings) =>
        new TestCaseData(key, message, settings).SetArgDisplayNames(key, message);
}
