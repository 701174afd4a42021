using System.Text.Json;
using Ogrt.Outputs.Sdk.Buffers;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.Sdk.DeadLetters;

/// <summary>
/// Records the destination rejected for good, appended as JSON Lines to
/// <c>dead-letters.jsonl</c> in the output's state directory: each line holds the reason and
/// the record in its canonical shape, so an operator can fix the cause and replay them.
/// </summary>
public sealed class DeadLetterFile(string stateDirectory, TimeProvider timeProvider)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Path { get; } = System.IO.Path.Combine(stateDirectory, "dead-letters.jsonl");

    public async Task AppendAsync(IReadOnlyList<DeadLetter> letters, CancellationToken cancellationToken)
    {
        if (letters.Count == 0)
            return;
        using var buffer = new ByteBuffer(4096);
        string deadLetteredAt = timeProvider.GetUtcNow().UtcDateTime.ToString("O");
        foreach (var letter in letters)
        {
            using (var writer = new Utf8JsonWriter(buffer, ProcessRecordJson.WriterOptions))
            {
                writer.WriteStartObject();
                writer.WriteString("dead_lettered_at", deadLetteredAt);
                writer.WriteNumber("status", letter.Status);
                writer.WriteString("error_type", letter.ErrorType);
                writer.WriteString("reason", letter.Reason);
                writer.WritePropertyName("record");
                ProcessRecordJson.Write(writer, letter.Record);
                writer.WriteEndObject();
            }
            buffer.Write("\n"u8);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var file = PrivateFiles.Open(Path, FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.Asynchronous);
            await file.WriteAsync(buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
            // The records count as kept, not lost: make them durable before saying so.
            file.Flush(flushToDisk: true);
        }
        finally
        {
            _gate.Release();
        }
    }
}
