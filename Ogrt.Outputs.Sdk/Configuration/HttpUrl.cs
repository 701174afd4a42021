namespace Ogrt.Outputs.Sdk.Configuration;

/// <summary>The base URL of an HTTP destination as configured (a node, a collector endpoint).</summary>
public static class HttpUrl
{
    /// <summary>What is wrong with <paramref name="value"/> as a base URL, or null when it is fine.</summary>
    public static string? Problem(string value)
    {
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return $"'{value}' is not an absolute http:// or https:// URL";
        if (!string.IsNullOrEmpty(uri.UserInfo))
            return "must not contain credentials; use the output's authentication settings";
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            return $"'{value}' must not have a query or fragment";
        return null;
    }

    /// <summary>
    /// Parses a URL that <see cref="Problem"/> accepted. A trailing slash is added so that
    /// relative request paths ("_bulk") append to a path prefix (proxies).
    /// </summary>
    public static Uri Parse(string value)
    {
        var uri = new Uri(value.Trim(), UriKind.Absolute);
        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }
}
