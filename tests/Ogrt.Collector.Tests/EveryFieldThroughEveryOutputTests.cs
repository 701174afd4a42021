using System.Collections;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Ogrt.Collector.Tests.Support;
using Ogrt.Outputs.TestSupport;
using Ogrt.Protocol;

namespace Ogrt.Collector.Tests;

/// <summary>
/// A start and an end record with every field of ogrt.proto set go through the real collector
/// (UDP, decoder, pipeline) and the real plugins to the test servers of each output; every
/// output's JSON, read back with the generated parser, must equal what was sent.
/// </summary>
public class EveryFieldThroughEveryOutputTests
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    [Test]
    public async Task A_start_and_an_end_record_with_every_field_set_arrive_whole_at_every_output()
    {
        var start = TestDatagrams.ProcessInfo(pid: 4242);
        start.Truncated = true;
        var end = TestDatagrams.ProcessEnd(pid: 4242);
        AssertEveryFieldSet(start);
        AssertEveryFieldSet(end);

        using var directory = new TempDirectory();
        string files = directory.Combine("files");
        string tcpLines = directory.Combine("splunk-tcp.jsonl");
        int tcpPort = SocatReceiver.FreePort();
        using var tcp = SocatReceiver.Start(tcpPort, tcpLines);
        await using var hec = await FakeHec.StartAsync();
        await using var elasticsearch = await FakeElasticsearch.StartAsync();
        await using var collector = await InProcessCollector.StartAsync(
        [
            "Outputs:File:Type=File", $"Outputs:File:Path={files}", "Outputs:File:Rotation=None",
            "Outputs:Tcp:Type=Splunk", "Outputs:Tcp:Mode=Tcp", "Outputs:Tcp:Host=127.0.0.1", $"Outputs:Tcp:Port={tcpPort}",
            "Outputs:Hec:Type=Splunk", "Outputs:Hec:Mode=Hec", $"Outputs:Hec:Url={hec.Url}", $"Outputs:Hec:Token={hec.Token}",
            "Outputs:Elastic:Type=Elasticsearch", $"Outputs:Elastic:Nodes:0={elasticsearch.Url}",
        ]);

        await collector.SendAsync([MessageFrame.Encode(start), MessageFrame.Encode(end)]);
        foreach (string output in new[] { "File", "Tcp", "Hec", "Elastic" })
            await Poll.UntilAsync(() => collector.Metrics.Sum("ogrt.collector.output.written", ("output", output)) == 2, $"{output} wrote both records");
        await collector.StopAsync();

        var written = new Dictionary<string, List<JsonElement>>
        {
            ["File"] = Directory.GetFiles(files, "*.jsonl").SelectMany(File.ReadAllLines).Select(Parse).ToList(),
            ["Splunk TCP"] = File.ReadAllLines(tcpLines).Select(Parse).ToList(),
            ["Splunk HEC"] = hec.Events.Select(envelope => envelope.GetProperty("event")).ToList(),
            ["Elasticsearch"] = elasticsearch.Documents(),
        };
        Assert.Multiple(() =>
        {
            foreach (var (output, records) in written)
            {
                Assert.That(records, Has.Count.EqualTo(2), output);
                var starts = records.Where(record => !record.TryGetProperty("record", out _)).ToList();
                var ends = records.Where(record => record.TryGetProperty("record", out var kind) && kind.GetString() == "end").ToList();
                Assert.That(starts.Select(record => Parser.Parse<ProcessInfo>(record.GetRawText())), Is.EqualTo(new[] { start }), $"{output}: the start record");
                Assert.That(ends.Select(record => Parser.Parse<ProcessEnd>(record.GetRawText())), Is.EqualTo(new[] { end }), $"{output}: the end record");
            }
        });
    }

    private static JsonElement Parse(string line) => JsonDocument.Parse(line).RootElement.Clone();

    /// <summary>Fails when ogrt.proto gained a field the test data does not set, so the test keeps covering every field.</summary>
    private static void AssertEveryFieldSet(IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (!field.IsRepeated)
            {
                Assert.That(field.Accessor.HasValue(message), Is.True, $"{field.FullName} is not set in the test data");
                continue;
            }
            var values = ((IList)field.Accessor.GetValue(message)).Cast<object>().ToList();
            Assert.That(values, Is.Not.Empty, $"{field.FullName} is empty in the test data");
            if (field.FieldType != FieldType.Message)
                continue;
            // Each field of the element type must be set in at least one element.
            foreach (var nested in field.MessageType.Fields.InDeclarationOrder())
                Assert.That(values.Any(value => nested.Accessor.HasValue((IMessage)value)), Is.True, $"no {nested.FullName} in the test data");
        }
    }
}
