using System.Net;
using System.Text;

namespace Ogrt.Outputs.Sdk.Http;

/// <summary>A response the destination gave, read whole: its status and body, and which node gave it.</summary>
public readonly record struct HttpReply(Uri Node, HttpStatusCode Status, byte[] Body)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    /// <summary>The start of the body as text, for messages.</summary>
    public string Excerpt()
    {
        const int Limit = 512;
        string text = Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, Limit));
        return Body.Length > Limit ? text + "…" : text;
    }
}
