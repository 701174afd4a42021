namespace Ogrt.Agent.Service;

/// <summary>
/// Whether the service reports end records, as the <c>end_records</c> counter (its number is
/// what <c>ogrt doctor</c> reads: keep the values).
/// </summary>
internal enum EndRecordsState
{
    /// <summary>Turned off by the site (OGRT_END_RECORDS=0, --end-records off).</summary>
    Off = 0,
    On = 1,
    /// <summary>The service lacks CAP_NET_ADMIN (the unit grants it; a hand-started service may not have it).</summary>
    MissingCapability = -1,
    /// <summary>The kernel offers no usable taskstats here (not built in, older than version 12, or a container's namespaces).</summary>
    Unavailable = -2,
}
