using System.Globalization;
using System.Net.Sockets;

namespace Ogrt.Collector.Receiving;

/// <summary>
/// Reads how many datagrams the kernel dropped for one UDP socket because its receive buffer
/// was full: the <c>drops</c> column of <c>/proc/net/udp</c> (or <c>udp6</c>) on the socket's
/// line, found by its inode. These losses happen before the collector sees a byte, so no
/// counter of its own can show them.
/// </summary>
public sealed class KernelDropCounter
{
    private static readonly string[] Tables = ["/proc/net/udp", "/proc/net/udp6"];

    // Columns of /proc/net/udp: sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops.
    private const int InodeColumn = 9;
    private const int DropsColumn = 12;

    private readonly string _inode;

    private KernelDropCounter(string inode)
    {
        _inode = inode;
    }

    /// <summary>The counter for <paramref name="socket"/>, or null where /proc cannot tell (not Linux, no /proc).</summary>
    public static KernelDropCounter? For(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        try
        {
            // The descriptor's link reads "socket:[<inode>]".
            string? target = new FileInfo($"/proc/self/fd/{socket.SafeHandle.DangerousGetHandle()}").LinkTarget;
            if (target is null || !target.StartsWith("socket:[", StringComparison.Ordinal) || !target.EndsWith(']'))
                return null;
            return new KernelDropCounter(target["socket:[".Length..^1]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Datagrams dropped since the socket was created; null when the socket's line is not found.</summary>
    public long? Read()
    {
        foreach (string table in Tables)
        {
            try
            {
                foreach (string line in File.ReadLines(table).Skip(1))
                {
                    string[] columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (columns.Length > DropsColumn && columns[InodeColumn] == _inode
                        && long.TryParse(columns[DropsColumn], NumberStyles.None, CultureInfo.InvariantCulture, out long drops))
                        return drops;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // This table is unavailable (e.g. no IPv6); try the other.
            }
        }
        return null;
    }
}
