using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Sdk.Configuration;

namespace Ogrt.Outputs.Sdk.Tls;

/// <summary>
/// How an output checks a TLS server: the system trust store (default), a site CA bundle
/// (<c>CaFile</c>, PEM; the chain must end at one of its certificates and the host name must
/// match), or no check at all (<c>InsecureSkipVerify</c>, unsafe: anyone on the path can read
/// and forge the traffic).
/// </summary>
public sealed class ServerCertificateCheck
{
    private readonly X509Certificate2Collection? _authorities;

    private ServerCertificateCheck(X509Certificate2Collection? authorities, bool skipVerify)
    {
        _authorities = authorities;
        SkipVerify = skipVerify;
    }

    public bool SkipVerify { get; }

    /// <summary>
    /// The check <paramref name="options"/> describe, loading the CA bundle; problems go to
    /// <paramref name="errors"/> under <paramref name="section"/> (the output's key).
    /// </summary>
    public static ServerCertificateCheck Create(TlsOptions options, string section, OutputContext context, ConfigurationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(options.CaFile))
            return new ServerCertificateCheck(null, options.InsecureSkipVerify);
        string key = $"{section}:{nameof(TlsOptions.CaFile)}";
        if (options.InsecureSkipVerify)
        {
            errors.Add(key, "cannot be combined with InsecureSkipVerify");
            return new ServerCertificateCheck(null, true);
        }

        string path = context.ResolvePath(options.CaFile.Trim());
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            errors.Add(key, $"cannot read CA certificates from '{path}': {e.Message}");
            return new ServerCertificateCheck(authorities, false);
        }
        if (authorities.Count == 0)
            errors.Add(key, $"'{path}' contains no PEM certificate");
        return new ServerCertificateCheck(authorities, false);
    }

    public bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (SkipVerify)
            return true;
        if (_authorities is null)
            return errors == SslPolicyErrors.None;
        // With a site CA only the chain check is redone; a missing certificate or a host name
        // mismatch is still fatal.
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
            return false;

        using var customChain = new X509Chain();
        customChain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        customChain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        customChain.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
                customChain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return customChain.Build(leaf);
    }

    /// <summary>
    /// The HTTP handler for an output's HttpClient. The client's own timeout stays infinite:
    /// outputs apply their request timeout per request so that a timeout is told apart from
    /// shutdown.
    /// </summary>
    public SocketsHttpHandler CreateHttpHandler() => new()
    {
        SslOptions = { RemoteCertificateValidationCallback = ValidateServerCertificate },
        AutomaticDecompression = System.Net.DecompressionMethods.GZip,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };

    public SslClientAuthenticationOptions CreateClientOptions(string targetHost) => new()
    {
        TargetHost = targetHost,
        RemoteCertificateValidationCallback = ValidateServerCertificate,
    };
}
