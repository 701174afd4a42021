using Microsoft.Win32.SafeHandles;

namespace Ogrt.Outputs.File;

/// <summary>
/// One open output file that only ever holds complete lines. Appends go straight to the kernel
/// (no user-space buffer), each at the end of the last complete line; a failed append is cut
/// back off, and a torn last line left by a crash is cut off when the file is opened.
/// Not thread-safe: <see cref="FileOutput"/> serializes access.
/// </summary>
internal sealed class JsonLinesFile : IDisposable
{
    /// <summary>rw-r----- : the collector writes, its group (e.g. the log shipper) reads.</summary>
    public const UnixFileMode Permissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    private const int TailScanChunk = 64 * 1024;

    private readonly FileStream _stream;
    private readonly SafeFileHandle _handle;
    private readonly ILogger _logger;

    /// <summary>What the kernel names the open file (/proc/self/fd/N) right after opening; null if it cannot tell.</summary>
    private readonly string? _openedAs;
    private PageCacheWindow? _cacheWindow;
    private bool _appendFailed;

    private JsonLinesFile(string path, FileStream stream, ILogger logger)
    {
        Path = path;
        _stream = stream;
        _handle = stream.SafeFileHandle;
        _logger = logger;
        _openedAs = KernelName();
    }

    public string Path { get; }

    /// <summary>The length of the complete lines in the file: where the next append goes.</summary>
    public long Length { get; private set; }

    /// <summary>
    /// Opens (or creates, with <see cref="Permissions"/>) a file for appending and drops an
    /// incomplete last line, which only a crash in the middle of a write can leave behind.
    /// Of what is appended from now on, only the last <paramref name="pageCacheWindow"/> bytes
    /// stay in the page cache (0: the kernel decides).
    /// </summary>
    public static JsonLinesFile Open(string path, long pageCacheWindow, ILogger logger)
    {
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
            BufferSize = 0,
            UnixCreateMode = Permissions,
        });
        try
        {
            var file = new JsonLinesFile(path, stream, logger);
            var length = RandomAccess.GetLength(file._handle);
            file.Length = file.CutTornLastLine(length);
            if (file.Length != length)
                logger.LogWarning("Removed an incomplete last line of {Bytes} bytes from {Path}, left by an interrupted write.", length - file.Length, path);
            file._cacheWindow = new PageCacheWindow(file._handle, pageCacheWindow, file.Length, path, logger);
            return file;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends complete lines with one write. If the write fails (disk full, quota, I/O error)
    /// whatever part of it reached the file is cut off again before the error propagates.
    /// </summary>
    public void Append(ReadOnlySpan<byte> lines)
    {
        CatchUpWithFile();
        try
        {
            Write(lines);
        }
        catch
        {
            _appendFailed = true;
            try
            {
                CatchUpWithFile();
            }
            catch (IOException)
            {
                // The append's own error is the one to report; the next append retries the cut
                // first and fails rather than write after a partial line.
            }
            throw;
        }
        Length += lines.Length;
        _cacheWindow!.Advance(Length);
    }

    public void FlushToDisk() => RandomAccess.FlushToDisk(_handle);

    /// <summary>
    /// Whether the open file is still the one at <see cref="Path"/>. Once it was deleted (the
    /// kernel then names it "… (deleted)") or renamed (logrotate without copytruncate), appends
    /// would go where nobody finds them. One readlink per call; true where /proc is not available.
    /// </summary>
    public bool IsStillAtItsPath() => _openedAs is null || KernelName() == _openedAs;

    private string? KernelName()
    {
        try
        {
            return new FileInfo($"/proc/self/fd/{_handle.DangerousGetHandle()}").LinkTarget;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>
    /// Makes <see cref="Length"/> the end of the last complete line in the file again. One
    /// fstat per append when nothing changed; otherwise either a failed append of ours left
    /// part of a batch behind (cut off), or another process changed the file, e.g. logrotate's
    /// copytruncate emptied it (continue at its new end rather than leave a hole of zeros).
    /// </summary>
    private void CatchUpWithFile()
    {
        var actual = RandomAccess.GetLength(_handle);
        if (actual == Length)
        {
            _appendFailed = false;
            return;
        }
        if (_appendFailed && actual > Length)
        {
            RandomAccess.SetLength(_handle, Length);
            _appendFailed = false;
            return;
        }
        var previous = Length;
        Length = CutTornLastLine(actual);
        _appendFailed = false;
        _logger.LogWarning("{Path} was changed by another process ({Previous} bytes expected, {Actual} found); appending after its last complete line at {Length}.", Path, previous, actual, Length);
    }

    private void Write(ReadOnlySpan<byte> lines)
    {
        try
        {
            RandomAccess.Write(_handle, lines, Length);
        }
        catch (ArgumentOutOfRangeException exception)
        {
            // How .NET reports EFBIG; it is an I/O condition like a full disk, not a bad argument.
            throw new IOException($"Cannot write to {Path}: the file reached the largest size allowed (file system limit or RLIMIT_FSIZE).", exception);
        }
    }

    /// <summary>Truncates a file of <paramref name="length"/> bytes after its last '\n'; returns the new length.</summary>
    private long CutTornLastLine(long length)
    {
        var complete = EndOfLastLine(length);
        if (complete != length)
            RandomAccess.SetLength(_handle, complete);
        return complete;
    }

    private long EndOfLastLine(long length)
    {
        if (length == 0)
            return 0;
        Span<byte> last = stackalloc byte[1];
        if (RandomAccess.Read(_handle, last, length - 1) == 1 && last[0] == (byte)'\n')
            return length;

        var chunk = new byte[(int)Math.Min(TailScanChunk, length)];
        var end = length;
        while (end > 0)
        {
            var start = Math.Max(0, end - chunk.Length);
            var span = chunk.AsSpan(0, (int)(end - start));
            var read = RandomAccess.Read(_handle, span, start);
            var newline = span[..read].LastIndexOf((byte)'\n');
            if (newline >= 0)
                return start + newline + 1;
            end = start;
        }
        return 0;
    }
}
