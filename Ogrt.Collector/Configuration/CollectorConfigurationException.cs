namespace Ogrt.Collector.Configuration;

/// <summary>
/// The configuration (or a plugin it names) can never work. The collector prints the message,
/// which names every bad key, and exits with a non-zero code without a stack trace.
/// </summary>
public sealed class CollectorConfigurationException : Exception
{
    public CollectorConfigurationException(IReadOnlyList<string> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    public CollectorConfigurationException(string error, Exception? innerException = null)
        : base(error, innerException)
    {
        Errors = [error];
    }

    /// <summary>One message per problem, each naming its key.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>
    /// Without the stack trace: the host logs an exception that stops its start (what the
    /// outputs refuse as they are created), and an operator needs only what to fix.
    /// </summary>
    public override string ToString() => $"{GetType().Name}: {Message}";
}
