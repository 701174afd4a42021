
namespace Ogrt.Outputs.Elasticsearch;

/// <summary>Creates the outputs configured with <c>Type: Elasticsearch</c> (also for OpenSearch).</summary>
public sealed class ElasticsearchOutputFactory : IOutputFactory
{
    public string Type => "Elasticsearch";

    public IOutput Create(OutputContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new ElasticsearchOutput(context, ElasticsearchSettings.Bind(context));
    }
}
