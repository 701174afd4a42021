using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Ogrt.Outputs.File;

/// <summary>
/// Keeps only the newest bytes of an append-only file in the page cache. Each record is
/// written once and read at most once, soon after, by a log shipper: left to the kernel, the
/// cache grows by every byte written, pushes other data out of memory, and every new cached
/// page has to be allocated (on a VM whose free memory went back to the host, a host page fault
/// per 4 KiB). So writeback of the bytes behind the end is started as they accumulate, and once
/// they are more than the window behind the end they are dropped from the cache; the kernel
/// then hands the same pages to the next writes.
/// </summary>
/// <remarks>
/// Advisory only: a file system that does not support it (ESPIPE, EINVAL, …) or a failed
/// writeback turns it off for this file with one warning; appends are never affected.
/// Not thread-safe: <see cref="JsonLinesFile"/> calls it under the output's lock.
/// </remarks>
internal sealed partial class PageCacheWindow
{
    private const int PageSize = 4096;

    /// <summary>
    /// The largest page-cache folio (x86-64 and arm64 with 4 KiB pages: 2 MiB). Folios are
    /// aligned to their size and only dropped when a range covers them whole, so each drop
    /// starts again at this alignment below where the last one ended.
    /// </summary>
    private const long LargestFolio = 2L << 20;

    /// <summary>sync_file_range(2) flags.</summary>
    private const uint WaitBefore = 1, Write = 2, WaitAfter = 4;

    /// <summary>posix_fadvise(2) POSIX_FADV_DONTNEED.</summary>
    private const int DontNeed = 4;

    private readonly SafeFileHandle _handle;
    private readonly long _window;
    private readonly long _step;
    private readonly string _path;
    private readonly ILogger _logger;

    /// <summary>Writeback was started for the bytes before this offset.</summary>
    private long _writebackStarted;

    /// <summary>The bytes before this offset were dropped from the cache (or never managed).</summary>
    private long _dropped;

    private bool _off;

    /// <param name="window">Bytes behind the end that stay cached; 0 turns the window off.</param>
    /// <param name="start">Where the managed part begins (the file's length when opened).</param>
    public PageCacheWindow(SafeFileHandle handle, long window, long start, string path, ILogger logger)
    {
        _handle = handle;
        _window = window;
        // Writeback starts in steps of a quarter window (at least 1 MiB): one system call per
        // step, and the oldest step has been written back long before it is dropped.
        _step = Math.Max(window / 4, 1L << 20);
        _path = path;
        _logger = logger;
        _off = window == 0;
        Restart(start);
    }

    /// <summary>The file now ends at <paramref name="length"/>: start writeback and drop what fell out of the window.</summary>
    public void Advance(long length)
    {
        if (_off)
            return;
        if (length < _writebackStarted)
        {
            Restart(length); // truncated by another process (copytruncate)
            return;
        }
        if (length - _writebackStarted >= _step)
        {
            if (!TrySync(_writebackStarted, length - _writebackStarted, Write))
                return;
            _writebackStarted = length;
        }
        var dropTo = (_writebackStarted - _window) & ~(long)(PageSize - 1);
        if (dropTo - _dropped < _step)
            return;
        // Started one or more steps ago: usually on disk already, else this waits for it,
        // which is also how the output keeps pace with a disk slower than the records.
        var from = _dropped & ~(LargestFolio - 1);
        if (!TrySync(from, dropTo - from, WaitBefore | Write | WaitAfter))
            return;
        var error = PosixFadvise(_handle, from, dropTo - from, DontNeed);
        if (error != 0)
        {
            TurnOff("posix_fadvise", error);
            return;
        }
        _dropped = dropTo;
    }

    private void Restart(long offset) => _writebackStarted = _dropped = offset & ~(long)(PageSize - 1);

    private bool TrySync(long offset, long count, uint flags)
    {
        if (SyncFileRange(_handle, offset, count, flags) == 0)
            return true;
        TurnOff("sync_file_range", Marshal.GetLastPInvokeError());
        return false;
    }

    private void TurnOff(string call, int errno)
    {
        _off = true;
        _logger.LogWarning("{Call} on {Path} failed ({Error}); leaving the file's caching to the kernel from now on. " +
                           "With FlushToDisk false, an I/O error here can mean that records already written did not reach the disk.",
            call, _path, Marshal.GetPInvokeErrorMessage(errno));
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(SafeFileHandle fd, long offset, long count, uint flags);

    /// <summary>Returns the error number instead of setting errno.</summary>
    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(SafeFileHandle fd, long offset, long length, int advice);
}
