using System.Text.Json;

namespace Ogrt.Outputs.Elasticsearch;

/// <summary>
/// Reads a <c>_bulk</c> response: <c>{"errors":false,…}</c> means every item succeeded, so the
/// item list is only walked when <c>errors</c> is true.
/// </summary>
internal static class BulkResponse
{
    /// <summary>
    /// The per-item results, or null when the response says no item failed.
    /// </summary>
    /// <exception cref="JsonException">The body is not a bulk response.</exception>
    public static List<BulkItemResult>? ReadFailures(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        Expect(ref reader, JsonTokenType.StartObject);
        bool? errors = null;
        List<BulkItemResult>? items = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("errors"u8))
            {
                Next(ref reader);
                errors = reader.TokenType == JsonTokenType.True;
                if (errors == false)
                    return null;
            }
            else if (reader.ValueTextEquals("items"u8))
            {
                Expect(ref reader, JsonTokenType.StartArray);
                items = [];
                while (Next(ref reader) == JsonTokenType.StartObject)
                {
                    items.Add(ReadItem(ref reader));
                }
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }
        if (errors is null)
            throw new JsonException("The bulk response has no 'errors' member.");
        return items ?? throw new JsonException("The bulk response reports errors but has no 'items'.");
    }

    // {"index":{"_index":…,"status":400,"error":{"type":…,"reason":…}}}
    private static BulkItemResult ReadItem(ref Utf8JsonReader reader)
    {
        int status = 0;
        string? errorType = null;
        string? reason = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            Expect(ref reader, JsonTokenType.StartObject);
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("status"u8))
                {
                    Next(ref reader);
                    status = reader.GetInt32();
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    Next(ref reader);
                    if (reader.TokenType == JsonTokenType.String)
                        reason = reader.GetString();
                    else
                        (errorType, reason) = ReadError(ref reader);
                }
                else
                {
                    Next(ref reader);
                    reader.Skip();
                }
            }
        }
        return new BulkItemResult(status, errorType, reason);
    }

    private static (string? Type, string? Reason) ReadError(ref Utf8JsonReader reader)
    {
        string? type = null;
        string? reason = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return (null, null);
        }
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            bool isType = reader.ValueTextEquals("type"u8);
            bool isReason = reader.ValueTextEquals("reason"u8);
            Next(ref reader);
            if (isType && reader.TokenType == JsonTokenType.String)
                type = reader.GetString();
            else if (isReason && reader.TokenType == JsonTokenType.String)
                reason = reader.GetString();
            else
                reader.Skip();
        }
        return (type, reason);
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("The bulk response ends early.");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType expected)
    {
        if (Next(ref reader) != expected)
            throw new JsonException($"The bulk response has {reader.TokenType} where {expected} belongs.");
    }
}
