using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;

namespace Ogrt.Outputs.Elasticsearch;

/// <summary>
/// The <c>_id</c> of a record's document, derived from what identifies one process start:
/// host, pid, start time (microseconds when the agent sent them) and executable. A retried
/// request that had in fact been indexed then overwrites (or, for a data stream, conflicts
/// with) the same document instead of adding a duplicate. An end record carries its start's
/// key, so its own id (the same key marked "end") and its start's id are both computed from it.
/// </summary>
internal static class DocumentId
{
    // 128 bits of SHA-256: collisions are out of reach, and the id stays short.
    private const int IdBytes = 16;

    /// <summary>The length of an id in bytes (base64url, no padding; no JSON escaping needed).</summary>
    public static readonly int Length = Base64Url.GetEncodedLength(IdBytes);

    /// <summary>Writes the id of the record's own document into the first <see cref="Length"/> bytes of <paramref name="destination"/>.</summary>
    public static void Write(ProcessRecord record, Span<byte> destination) =>
        Write(record, record.Kind == RecordKind.End ? "end\n" : "", destination);

    /// <summary>Writes the id of the start record's document of the record's run (for an end record, the one it ends).</summary>
    public static void WriteStart(ProcessRecord record, Span<byte> destination) => Write(record, "", destination);

    private static void Write(ProcessRecord record, string kind, Span<byte> destination)
    {
        // Room for the strings as UTF-8 plus the numbers and separators.
        int maxBytes = Encoding.UTF8.GetMaxByteCount((record.Hostname?.Length ?? 0) + record.Binpath.Length) + 128;
        byte[] identity = ArrayPool<byte>.Shared.Rent(maxBytes);
        try
        {
            // The binary path tells apart the programs of an exec chain, which share pid and second.
            Utf8.TryWrite(identity, CultureInfo.InvariantCulture,
                $"{kind}{record.Hostname}\n{record.Pid}\n{record.Time}\n{record.TimeMicroseconds}\n{record.Binpath}", out int written);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(identity.AsSpan(0, written), hash);
            Base64Url.EncodeToUtf8(hash[..IdBytes], destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(identity);
        }
    }
}
