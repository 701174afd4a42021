using Microsoft.Extensions.Options;
using Ogrt.Outputs.Sdk.Configuration;
using Ogrt.Outputs.Sdk.Tls;

namespace Ogrt.Outputs.Elasticsearch;

/// <summary>The settings of one Elasticsearch output as configured (see docs/elasticsearch.md).</summary>
internal sealed class ElasticsearchOptions : TlsOptions
{
    /// <summary>Node URLs: an array (<c>Nodes:0</c>, <c>Nodes:1</c>…) or one comma-separated string.</summary>
    public List<string> Nodes { get; set; } = [];

    /// <summary>Daily (or other date-based) index names; default <c>ogrt-{yyyy.MM.dd}</c>.</summary>
    public string? Index { get; set; }

    public string? DataStream { get; set; }

    [RangeSetting(1, 1_000_000)]
    public int MaxBulkRecords { get; set; } = 5000;

    [RangeSetting(64 * 1024, 1024 * 1024 * 1024)]
    public int MaxBulkBytes { get; set; } = 5 * 1024 * 1024;

    public bool Gzip { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    public string? ApiKey { get; set; }

    /// <summary>How long one attempt at one node may take.</summary>
    [DurationSetting("00:00:00.010", "01:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a node whose circuit broke sits out.</summary>
    [DurationSetting("00:00:00", "01:00:00")]
    public TimeSpan NodeCooldown { get; set; } = TimeSpan.FromSeconds(30);

    public bool InstallTemplate { get; set; }

    public string TemplateName { get; set; } = "ogrt";

    public TemplateApi TemplateApi { get; set; } = TemplateApi.Composable;

    /// <summary>The composable template's <c>priority</c> (legacy: <c>order</c>); above Elasticsearch 8's built-in templates (100 for logs-*-*).</summary>
    [RangeSetting(0, int.MaxValue)]
    public int TemplatePriority { get; set; } = 200;
}

/// <summary>Checks the attributes of <see cref="ElasticsearchOptions"/> (generated).</summary>
[OptionsValidator]
internal sealed partial class ElasticsearchOptionsValidator : IValidateOptions<ElasticsearchOptions>;
