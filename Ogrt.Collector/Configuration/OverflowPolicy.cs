namespace Ogrt.Collector.Configuration;

/// <summary>What an output's queue does with a record that arrives while it is full.</summary>
public enum OverflowPolicy
{
    /// <summary>Drop the arriving record; the queued ones keep their order.</summary>
    DropNewest,

    /// <summary>Drop the oldest queued record to make room for the arriving one.</summary>
    DropOldest,

    /// <summary>
    /// Wait up to <c>BlockTimeout</c> for room, then drop the arriving record. Waiting holds
    /// back every output and, behind them, the receive queue.
    /// </summary>
    Block,
}
