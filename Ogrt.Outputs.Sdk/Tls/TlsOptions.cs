namespace Ogrt.Outputs.Sdk.Tls;

/// <summary>
/// The TLS settings of an output that connects to a server: the options classes of the network
/// outputs derive from this, so each reads <c>InsecureSkipVerify</c> and <c>CaFile</c>.
/// </summary>
public class TlsOptions
{
    /// <summary>Accept any server certificate. Unsafe: anyone on the path can read and forge the traffic.</summary>
    public bool InsecureSkipVerify { get; set; }

    /// <summary>A PEM bundle of the site's certificate authorities, instead of the system trust store.</summary>
    public string? CaFile { get; set; }
}
