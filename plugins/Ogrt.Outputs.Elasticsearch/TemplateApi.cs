namespace Ogrt.Outputs.Elasticsearch;

/// <summary>Which index template API the cluster speaks.</summary>
internal enum TemplateApi
{
    /// <summary><c>PUT _index_template/&lt;name&gt;</c>: Elasticsearch 7.8+, 8.x, OpenSearch 1.x/2.x.</summary>
    Composable,

    /// <summary><c>PUT _template/&lt;name&gt;</c>: older Elasticsearch 7.x; no data streams.</summary>
    Legacy,
}
