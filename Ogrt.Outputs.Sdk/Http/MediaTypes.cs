using System.Net.Http.Headers;

namespace Ogrt.Outputs.Sdk.Http;

/// <summary>Content types of request bodies.</summary>
public static class MediaTypes
{
    public static readonly MediaTypeHeaderValue Json = new("application/json");

    /// <summary>Newline-delimited JSON, as Elasticsearch's _bulk takes it.</summary>
    public static readonly MediaTypeHeaderValue NdJson = new("application/x-ndjson");
}
