using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.Sdk.Configuration;

/// <summary>
/// The problems found in a configuration, one per key, collected instead of stopping at the
/// first so that an operator fixes the whole file in one go.
/// </summary>
public sealed class ConfigurationErrors
{
    private readonly List<string> _errors = [];

    /// <summary>One message per problem, each starting with its full key: <c>Outputs:Es:Workers: …</c>.</summary>
    public IReadOnlyList<string> All => _errors;

    public int Count => _errors.Count;

    public void Add(string key, string message) => _errors.Add($"{key}: {message}");

    /// <summary>Adds a message that already starts with its key.</summary>
    public void AddMessage(string message) => _errors.Add(message);

    public void AddRange(IEnumerable<string> messages) => _errors.AddRange(messages);

    /// <summary>Throws an <see cref="OutputConfigurationException"/> listing every error so far.</summary>
    public void ThrowIfAny()
    {
        if (_errors.Count > 0)
            throw new OutputConfigurationException(_errors.ToArray());
    }
}
