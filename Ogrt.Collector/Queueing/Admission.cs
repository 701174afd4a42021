namespace Ogrt.Collector.Queueing;

/// <summary>The outcome of offering a record to a bounded queue once.</summary>
internal enum Admission
{
    Admitted,

    /// <summary>No room now; the overflow policy decides.</summary>
    Full,

    /// <summary>Refused whatever the policy (the record does not fit the memory budget).</summary>
    Refused,

    /// <summary>The queue is completed.</summary>
    Closed,
}
