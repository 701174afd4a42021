namespace Ogrt.Outputs.Splunk;

/// <summary>How the output talks to Splunk (<c>Outputs:&lt;Name&gt;:Mode</c>).</summary>
internal enum SplunkMode
{
    /// <summary>One JSON record per line to a TCP input, as upstream OGRT does.</summary>
    Tcp,

    /// <summary>The HTTP Event Collector, optionally with indexer acknowledgement.</summary>
    Hec,
}
