using System.Text.Json;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Sdk.Buffers;

namespace Ogrt.Outputs.Sdk.Batches;

/// <summary>
/// Fills a request body with one newline-terminated entry per record (a <c>_bulk</c> item, a HEC
/// event…) up to a record and a byte limit, so that each HTTP output only says what one entry
/// looks like. The first record is always taken, however large: the destination then refuses it
/// on its own rather than blocking the batch forever.
/// </summary>
public abstract class JsonLinesBodyWriter
{
    /// <summary>
    /// Fills <paramref name="body"/> with the records from <paramref name="start"/> on, at most
    /// <paramref name="maxRecords"/> and, after the first, only while the body stays within
    /// <paramref name="maxBytes"/>; returns how many it took.
    /// </summary>
    public int Write(ByteBuffer body, IReadOnlyList<ProcessRecord> batch, int start, int maxRecords, long maxBytes)
    {
        body.Clear();
        using var writer = new Utf8JsonWriter(body, ProcessRecordJson.WriterOptions);
        int count = 0;
        for (int i = start; i < batch.Count && count < maxRecords; i++)
        {
            int entryStart = body.Length;
            WriteEntry(body, writer, batch[i]);
            body.Write("\n"u8);
            if (body.Length > maxBytes && count > 0)
            {
                body.Truncate(entryStart);
                break;
            }
            count++;
        }
        return count;
    }

    /// <summary>
    /// Appends one record's entry, without its final newline. <paramref name="writer"/> is shared
    /// by the whole body: <see cref="Utf8JsonWriter.Reset(System.Buffers.IBufferWriter{byte})"/> it
    /// onto <paramref name="body"/> before use and flush it before writing to the body directly.
    /// </summary>
    protected abstract void WriteEntry(ByteBuffer body, Utf8JsonWriter writer, ProcessRecord record);
}
