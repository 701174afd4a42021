using System.IO.Compression;

namespace Ogrt.Outputs.Sdk.Http;

/// <summary>Gzip for request bodies (<c>Content-Encoding: gzip</c>), tuned for speed over ratio.</summary>
public static class GzipCompression
{
    public static byte[] Compress(ReadOnlySpan<byte> body)
    {
        // JSON records compress about 5-10 fold; a quarter avoids most regrowth.
        using var compressed = new MemoryStream(Math.Max(1024, body.Length / 4));
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(body);
        }
        return compressed.ToArray();
    }
}
