namespace Ogrt.Outputs.Abstractions;

/// <summary>Which message of the wire protocol a record carries.</summary>
public enum RecordKind
{
    /// <summary>A process started (ProcessInfo, sent by the agent at exec).</summary>
    Start,

    /// <summary>A tracked process's run ended (ProcessEnd, sent by the node capture service).</summary>
    End,
}
