using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Queueing;

/// <summary>What a bounded queue offers <see cref="OverflowAdmission"/>: the policy is applied there, once, for every queue.</summary>
internal interface IAdmissionTarget
{
    /// <summary>Takes the record if there is room; never waits.</summary>
    Admission TryAdmit(ProcessRecord record);

    /// <summary>
    /// Drops (and reports) the oldest held record or records so that <paramref name="arriving"/>
    /// fits; false if nothing older can make room for it.
    /// </summary>
    bool TryEvictOldest(ProcessRecord arriving);

    /// <summary>Completes when room may have become free or the queue was completed.</summary>
    ValueTask WaitForRoomAsync(CancellationToken cancellationToken);
}
