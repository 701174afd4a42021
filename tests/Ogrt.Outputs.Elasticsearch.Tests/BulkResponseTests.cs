using System.Text;
using System.Text.Json;

namespace Ogrt.Outputs.Elasticsearch.Tests;

public sealed class BulkResponseTests
{
    [Test]
    public void ANoErrorsResponseIsNotWalked()
    {
        Assert.That(BulkResponse.ReadFailures(Utf8("""{"took":3,"errors":false,"items":[{"index":{"status":201}}]}""")), Is.Null);
    }

    [Test]
    public void ItemsAreReadInOrderWithTheirErrors()
    {
        var items = BulkResponse.ReadFailures(Utf8("""
            {"took":7,"errors":true,"items":[
              {"index":{"_index":"ogrt-2023.11.14","_id":"a","status":201,"result":"created","_shards":{"total":2}}},
              {"index":{"_index":"ogrt-2023.11.14","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [pid]","caused_by":{"type":"number_format_exception","reason":"x"}}}},
              {"create":{"_index":"logs-ogrt-default","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"}}},
              {"index":{"status":503,"error":"UnavailableShardsException[primary shard is not active]"}}
            ]}
            """))!;

        Assert.Multiple(() =>
        {
            Assert.That(items.Select(item => item.Status), Is.EqualTo(new[] { 201, 400, 429, 503 }));
            Assert.That(items.Select(item => item.Succeeded), Is.EqualTo(new[] { true, false, false, false }));
            Assert.That(items.Select(item => item.Transient), Is.EqualTo(new[] { false, false, true, true }));
            Assert.That(items[1].ErrorType, Is.EqualTo("mapper_parsing_exception"));
            Assert.That(items[1].Reason, Is.EqualTo("failed to parse field [pid]"));
            Assert.That(items[3].Reason, Does.StartWith("UnavailableShardsException"));
        });
    }

    [TestCase("""{"took":1}""")]
    [TestCase("""{"errors":true}""")]
    [TestCase("""{"errors":true,"items":[{"index":{"status":""")]
    [TestCase("""<html>502 Bad Gateway</html>""")]
    public void AnythingElseIsRefused(string body)
    {
        Assert.Catch<JsonException>(() => BulkResponse.ReadFailures(Utf8(body)));
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
