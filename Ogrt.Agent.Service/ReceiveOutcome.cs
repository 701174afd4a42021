namespace Ogrt.Agent.Service;

/// <summary>What one wait on the agent socket brought.</summary>
internal enum ReceiveOutcome
{
    Message,
    /// <summary>Nothing within the timeout, or a signal interrupted the wait.</summary>
    Idle,
    /// <summary>Longer than any message the gate sends: counted malformed.</summary>
    Oversized,
    /// <summary>No SCM_CREDENTIALS (the socket lacks SO_PASSCRED): cannot be attributed.</summary>
    NoCredentials,
    Failed,
}
