using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ogrt.Outputs.Bench;

/// <summary>
/// An in-process receiver that answers as fast as it can read: <c>_bulk</c> with one
/// <c>{"index":{"status":201}}</c> item per action (what ES sends under our filter_path), the
/// HEC event endpoint with Success. It reads the whole body, as a real server must.
/// </summary>
internal sealed class LoopbackReceiver : IAsyncDisposable
{
    private static readonly byte[] ItemBytes = Encoding.UTF8.GetBytes("""{"index":{"status":201}}""");
    private readonly WebApplication _app;

    private LoopbackReceiver(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<LoopbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new LoopbackReceiver(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task HandleAsync(HttpContext http)
    {
        long lines = await CountLinesAsync(http.Request.BodyReader);
        http.Response.ContentType = "application/json";
        if (http.Request.Path == "/_bulk")
        {
            var output = http.Response.BodyWriter;
            output.Write("""{"errors":false,"items":["""u8);
            for (long i = 0; i < lines / 2; i++)
            {
                if (i > 0)
                    output.Write(","u8);
                output.Write(ItemBytes);
            }
            output.Write("]}"u8);
            await output.FlushAsync();
            return;
        }
        await http.Response.WriteAsync("""{"text":"Success","code":0}""");
    }

    private static async Task<long> CountLinesAsync(PipeReader reader)
    {
        long lines = 0;
        while (true)
        {
            var result = await reader.ReadAsync();
            foreach (var segment in result.Buffer)
                lines += segment.Span.Count((byte)'\n');
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
                return lines;
        }
    }
}
