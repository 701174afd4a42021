using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Shared;

namespace Ogrt.Outputs.Elasticsearch;

/// <summary>The validated settings of one Elasticsearch output (see docs/elasticsearch.md).</summary>
internal sealed class ElasticsearchSettings
{
    /// <summary>The settings <see cref="Read"/> reads.</summary>
    public static readonly string[] Keys =
    [
        "Nodes", "Index", "DataStream", "MaxBulkRecords", "MaxBulkBytes", "Gzip", "Username", "Password", "ApiKey",
        "RequestTimeout", "NodeCooldown", "InstallTemplate", "TemplateName", "TemplateApi", "TemplatePriority", .. TlsSettings.Keys,
    ];

    public required IReadOnlyList<Uri> Nodes { get; init; }

    /// <summary>Daily (or other date-based) index names; null when writing to a data stream.</summary>
    public IndexNamePattern? Index { get; init; }

    public string? DataStream { get; init; }

    public int MaxBulkRecords { get; init; }

    public int MaxBulkBytes { get; init; }

    public bool Gzip { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    public string? ApiKey { get; init; }

    public required TlsSettings Tls { get; init; }

    public TimeSpan RequestTimeout { get; init; }

    public TimeSpan NodeCooldown { get; init; }

    public bool InstallTemplate { get; init; }

    public required string TemplateName { get; init; }

    public TemplateApi TemplateApi { get; init; }

    /// <summary>The composable template's <c>priority</c> (legacy: <c>order</c>).</summary>
    public int TemplatePriority { get; init; }

    public static ElasticsearchSettings Read(OutputContext context)
    {
        var reader = new SectionReader(context);

        var nodeValues = reader.GetList("Nodes");
        if (nodeValues.Count == 0)
            throw reader.Error("Nodes", "at least one node URL is required, e.g. http://localhost:9200");
        var nodes = nodeValues.Select(node => reader.ParseHttpUrl(node.Key, node.Value)).ToList();

        string? dataStream = reader.GetString("DataStream");
        string? indexPattern = reader.GetString("Index");
        if (dataStream is not null && indexPattern is not null)
            throw reader.Error("DataStream", "cannot be combined with Index: a data stream names its backing indices itself");
        if (dataStream is not null)
            IndexNamePattern.ValidateIndexName(reader, "DataStream", dataStream);
        var index = dataStream is null ? IndexNamePattern.Parse(reader, "Index", indexPattern ?? "ogrt-{yyyy.MM.dd}") : null;

        string? username = reader.GetString("Username");
        string? password = reader.GetString("Password");
        string? apiKey = reader.GetString("ApiKey");
        if (username is null != (password is null))
            throw reader.Error(username is null ? "Username" : "Password", "basic authentication needs both Username and Password");
        if (apiKey is not null && username is not null)
            throw reader.Error("ApiKey", "cannot be combined with Username/Password; choose one authentication method");

        string templateApiValue = reader.GetString("TemplateApi") ?? nameof(TemplateApi.Composable);
        if (!Enum.TryParse<TemplateApi>(templateApiValue, ignoreCase: true, out var templateApi) || !Enum.IsDefined(templateApi))
            throw reader.Error("TemplateApi", $"'{templateApiValue}' is not Composable or Legacy");
        bool installTemplate = reader.GetBool("InstallTemplate", false);
        if (installTemplate && templateApi == TemplateApi.Legacy && dataStream is not null)
            throw reader.Error("TemplateApi", "data streams need a composable template (Elasticsearch 7.9+, OpenSearch)");

        return new ElasticsearchSettings
        {
            Nodes = nodes,
            Index = index,
            DataStream = dataStream,
            MaxBulkRecords = reader.GetInt("MaxBulkRecords", 5000, 1, 1_000_000),
            MaxBulkBytes = reader.GetInt("MaxBulkBytes", 5 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
            Gzip = reader.GetBool("Gzip", false),
            Username = username,
            Password = password,
            ApiKey = apiKey,
            Tls = TlsSettings.Read(reader),
            RequestTimeout = reader.GetDuration("RequestTimeout", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1)),
            NodeCooldown = reader.GetDuration("NodeCooldown", TimeSpan.FromSeconds(30), TimeSpan.Zero, TimeSpan.FromHours(1)),
            InstallTemplate = installTemplate,
            TemplateName = reader.GetString("TemplateName") ?? "ogrt",
            TemplateApi = templateApi,
            // Above Elasticsearch 8's built-in templates (priority 100 for logs-*-*).
            TemplatePriority = reader.GetInt("TemplatePriority", 200, 0, int.MaxValue),
        };
    }
}
