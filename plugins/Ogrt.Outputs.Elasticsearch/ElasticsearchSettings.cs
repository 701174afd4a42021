using Microsoft.Extensions.Configuration;
using Ogrt.Outputs.Sdk.Configuration;
using Ogrt.Outputs.Sdk.Tls;

namespace Ogrt.Outputs.Elasticsearch;

/// <summary>
/// What one Elasticsearch output runs with: its <see cref="ElasticsearchOptions"/>, checked as a
/// whole, with the node URLs, the index pattern and the TLS check resolved.
/// </summary>
internal sealed class ElasticsearchSettings
{
    private ElasticsearchSettings(ElasticsearchOptions options, IReadOnlyList<Uri> nodes, IndexNamePattern? index, ServerCertificateCheck tls)
    {
        Options = options;
        Nodes = nodes;
        Index = index;
        Tls = tls;
    }

    public ElasticsearchOptions Options { get; }

    public IReadOnlyList<Uri> Nodes { get; }

    /// <summary>Daily (or other date-based) index names; null when writing to a data stream.</summary>
    public IndexNamePattern? Index { get; }

    public ServerCertificateCheck Tls { get; }

    public string? DataStream => Options.DataStream;

    public int MaxBulkBytes => Options.MaxBulkBytes;

    public string TemplateName => Options.TemplateName;

    public TemplateApi TemplateApi => Options.TemplateApi;

    public int TemplatePriority => Options.TemplatePriority;

    /// <summary>Binds and checks the output's settings; throws naming every bad key.</summary>
    public static ElasticsearchSettings Bind(OutputContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var section = context.Configuration;
        string path = section.Path;
        var errors = new ConfigurationErrors();
        var options = SectionBinder.Bind(section, errors, static (configuration, options) => configuration.Bind(options, SectionBinder.Strict), new ElasticsearchOptionsValidator());

        var nodes = ReadNodes(section, options, errors);
        string? dataStream = Trimmed(options.DataStream);
        string? indexPattern = Trimmed(options.Index);
        if (dataStream is not null && indexPattern is not null)
            errors.Add($"{path}:DataStream", "cannot be combined with Index: a data stream names its backing indices itself");
        if (dataStream is not null)
            IndexNamePattern.ValidateIndexName($"{path}:DataStream", dataStream, errors);
        var index = dataStream is null ? IndexNamePattern.Parse($"{path}:Index", indexPattern ?? "ogrt-{yyyy.MM.dd}", errors) : null;

        string? username = Trimmed(options.Username);
        string? password = Trimmed(options.Password);
        if (username is null != (password is null))
            errors.Add($"{path}:{(username is null ? "Username" : "Password")}", "basic authentication needs both Username and Password");
        if (Trimmed(options.ApiKey) is not null && username is not null)
            errors.Add($"{path}:ApiKey", "cannot be combined with Username/Password; choose one authentication method");
        if (options.InstallTemplate && options.TemplateApi == TemplateApi.Legacy && dataStream is not null)
            errors.Add($"{path}:TemplateApi", "data streams need a composable template (Elasticsearch 7.9+, OpenSearch)");

        var tls = ServerCertificateCheck.Create(options, path, context, errors);
        errors.ThrowIfAny();
        options.DataStream = dataStream;
        options.Username = username;
        options.Password = password;
        options.ApiKey = Trimmed(options.ApiKey);
        return new ElasticsearchSettings(options, nodes, index, tls);
    }

    private static List<Uri> ReadNodes(IConfigurationSection section, ElasticsearchOptions options, ConfigurationErrors errors)
    {
        // One string "http://a:9200,http://b:9200" binds to no list items: split it here.
        var configured = options.Nodes.Count > 0
            ? options.Nodes.Select((node, i) => (Key: $"{section.Path}:Nodes:{i}", Value: node)).ToList()
            : (section["Nodes"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(node => (Key: $"{section.Path}:Nodes", Value: node)).ToList();
        if (configured.Count == 0)
            errors.Add($"{section.Path}:Nodes", "at least one node URL is required, e.g. http://localhost:9200");
        var nodes = new List<Uri>();
        foreach (var (key, value) in configured)
        {
            if (HttpUrl.Problem(value) is { } problem)
                errors.Add(key, problem);
            else
                nodes.Add(HttpUrl.Parse(value));
        }
        return nodes;
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
