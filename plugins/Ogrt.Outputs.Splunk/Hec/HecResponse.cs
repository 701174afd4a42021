using System.Text.Json;

namespace Ogrt.Outputs.Splunk.Hec;

/// <summary>
/// A HEC reply, <c>{"text":"Success","code":0,"ackId":7}</c> or an error such as
/// <c>{"text":"Invalid data format","code":6,"invalid-event-number":3}</c>.
/// </summary>
internal readonly record struct HecResponse(int Code, string Text, long? AckId, int? InvalidEventNumber)
{
    // Codes from the HEC documentation ("Troubleshoot HTTP Event Collector").
    public const int TokenDisabled = 1;
    public const int TokenRequired = 2;
    public const int InvalidAuthorization = 3;
    public const int InvalidToken = 4;
    public const int InvalidDataFormat = 6;
    public const int IncorrectIndex = 7;
    public const int ServerBusy = 9;
    public const int AckDisabled = 14;

    /// <summary>Parses a reply; a body that is not a HEC reply gives code -1 and the raw text.</summary>
    public static HecResponse Parse(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            int code = root.TryGetProperty("code", out var codeElement) && codeElement.TryGetInt32(out int parsed) ? parsed : -1;
            string text = root.TryGetProperty("text", out var textElement) && textElement.ValueKind == JsonValueKind.String ? textElement.GetString()! : "";
            long? ackId = root.TryGetProperty("ackId", out var ackElement) && ackElement.TryGetInt64(out long ack) ? ack : null;
            int? invalidEvent = root.TryGetProperty("invalid-event-number", out var invalidElement) && invalidElement.TryGetInt32(out int number) ? number : null;
            return new HecResponse(code, text, ackId, invalidEvent);
        }
        catch (JsonException)
        {
            return new HecResponse(-1, System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 512)), null, null);
        }
    }

    public override string ToString() => $"code {Code}: {Text}";
}
