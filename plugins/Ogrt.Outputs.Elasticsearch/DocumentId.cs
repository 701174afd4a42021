using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.Elasticsearch;

/// <summary>
/// The <c>_id</c> of a record's document, derived from what identifies one process start:
/// host, pid, start time (microseconds when the agent sent them) and executable. A retried
/// request that had in fact been indexed then overwrites (or, for a data stream, conflicts
/// with) the same document instead of adding a duplicate.
/// </summary>
internal static class DocumentId
{
    // 128 bits of SHA-256: collisions are out of reach, and the id stays short (22 characters).
    private const int IdBytes = 16;

    public static string For(ProcessRecord record)
    {
        // The binary path tells apart the programs of an exec chain, which share pid and second.
        string identity = string.Create(CultureInfo.InvariantCulture,
            $"{record.Hostname}\n{record.Pid}\n{record.Time}\n{record.TimeMicroseconds}\n{record.Binpath}");
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(identity), hash);
        return Base64Url.EncodeToString(hash[..IdBytes]);
    }
}
