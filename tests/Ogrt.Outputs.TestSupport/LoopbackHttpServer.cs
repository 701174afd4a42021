using System.IO.Compression;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ogrt.Outputs.TestSupport;

/// <summary>
/// A Kestrel server on 127.0.0.1 and an ephemeral port that hands every request to
/// <paramref name="handle"/>; with a certificate it speaks HTTPS.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackHttpServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<LoopbackHttpServer> StartAsync(RequestDelegate handle, X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (certificate is not null)
                    listen.UseHttps(certificate);
            });
        });
        var app = builder.Build();
        app.Run(handle);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var url = new UriBuilder(address) { Host = certificate is null ? "127.0.0.1" : "localhost" }.Uri;
        return new LoopbackHttpServer(app, url);
    }

    /// <summary>A request's body as the client meant it: gunzipped when sent with Content-Encoding: gzip.</summary>
    public static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var raw = new MemoryStream();
        if (request.Headers.ContentEncoding == "gzip")
        {
            await using var gzip = new GZipStream(request.Body, CompressionMode.Decompress);
            await gzip.CopyToAsync(raw);
        }
        else
        {
            await request.Body.CopyToAsync(raw);
        }
        return raw.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(deadline.Token);
        await _app.DisposeAsync();
    }
}
