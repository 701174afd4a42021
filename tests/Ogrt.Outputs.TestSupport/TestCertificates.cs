using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Ogrt.Outputs.TestSupport;

/// <summary>
/// A throw-away certificate authority and a server certificate for "localhost" it signed,
/// as a site running its own CA has them.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public TestCertificates(string directory)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=OGRT Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Authority = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = serverRequest.Create(Authority, now.AddDays(-1), now.AddDays(29), [1, 2, 3, 4]);
        using var withKey = signed.CopyWithPrivateKey(serverKey);
        // Through PKCS#12 so the key is usable by SslStream on every platform.
        Server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);

        AuthorityPemPath = Path.Combine(directory, "ca.pem");
        File.WriteAllText(AuthorityPemPath, Authority.ExportCertificatePem());
        ServerCertificatePemPath = Path.Combine(directory, "server.pem");
        ServerKeyPemPath = Path.Combine(directory, "server.key");
        File.WriteAllText(ServerCertificatePemPath, Server.ExportCertificatePem());
        File.WriteAllText(ServerKeyPemPath, serverKey.ExportPkcs8PrivateKeyPem());
    }

    public X509Certificate2 Authority { get; }

    public X509Certificate2 Server { get; }

    public string AuthorityPemPath { get; }

    /// <summary>The server certificate and key as PEM files (for socat's openssl listener).</summary>
    public string ServerCertificatePemPath { get; }

    public string ServerKeyPemPath { get; }

    public void Dispose()
    {
        Authority.Dispose();
        Server.Dispose();
    }
}
