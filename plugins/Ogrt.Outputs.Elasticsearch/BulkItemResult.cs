namespace Ogrt.Outputs.Elasticsearch;

/// <summary>The outcome of one action of a <c>_bulk</c> request, in request order.</summary>
internal readonly record struct BulkItemResult(int Status, string? ErrorType, string? Reason)
{
    public bool Succeeded => Status is >= 200 and < 300;

    /// <summary>Too many requests or a server-side failure: worth sending again later.</summary>
    public bool Transient => Status == 429 || Status >= 500;
}
