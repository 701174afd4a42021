namespace Ogrt.Outputs.Abstractions;

/// <summary>
/// Settings of an output that can never work. The collector refuses to start and prints every
/// message, each of which starts with its full configuration key.
/// </summary>
public sealed class OutputConfigurationException : Exception
{
    public OutputConfigurationException(string key, string message)
        : this(key, message, null)
    {
    }

    public OutputConfigurationException(string key, string message, Exception? innerException)
        : base($"{key}: {message}", innerException)
    {
        Key = key;
        Errors = [Message];
    }

    /// <summary>Several problems at once; each message is <c>&lt;key&gt;: &lt;problem&gt;</c>.</summary>
    public OutputConfigurationException(IReadOnlyList<string> errors)
        : base(string.Join(Environment.NewLine, errors ?? throw new ArgumentNullException(nameof(errors))))
    {
        if (errors.Count == 0)
            throw new ArgumentException("At least one error is needed.", nameof(errors));
        Errors = errors;
        int separator = errors[0].IndexOf(": ", StringComparison.Ordinal);
        Key = separator < 0 ? errors[0] : errors[0][..separator];
    }

    /// <summary>The full configuration key of the first problem, e.g. <c>Outputs:Elastic:Nodes:0</c>.</summary>
    public string Key { get; }

    /// <summary>One message per problem, each starting with its key.</summary>
    public IReadOnlyList<string> Errors { get; }
}
