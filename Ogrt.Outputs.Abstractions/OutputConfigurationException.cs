namespace Ogrt.Outputs.Abstractions;

/// <summary>
/// A setting of an output that can never work. The collector refuses to start and prints the
/// message, which names the full configuration key.
/// </summary>
public sealed class OutputConfigurationException : Exception
{
    public OutputConfigurationException(string key, string message)
        : base($"{key}: {message}")
    {
        Key = key;
    }

    public OutputConfigurationException(string key, string message, Exception innerException)
        : base($"{key}: {message}", innerException)
    {
        Key = key;
    }

    /// <summary>The full configuration key, e.g. <c>Outputs:Elastic:Nodes:0</c>.</summary>
    public string Key { get; }
}
