using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Ogrt.Outputs.File;

/// <summary>
/// Writes records as JSON Lines to rotating files. Workers serialize their batches in
/// parallel into their own buffers; only the append (one write of whole lines) and rotation
/// happen under the lock, so lines of different batches never interleave.
/// </summary>
internal sealed class FileOutput : IOutput
{
    /// <summary>rwxr-x--- for a directory the output creates.</summary>
    private const UnixFileMode DirectoryPermissions =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    /// <summary>A buffer that grew past this for an unusually large batch is released instead of kept for the next one.</summary>
    private const int MaxPooledBufferBytes = 16 * 1024 * 1024;

    private static readonly Task<WriteResult> Delivered = Task.FromResult(WriteResult.Delivered);

    /// <summary>
    /// The files (directory and prefix) that outputs of this collector write. Two outputs
    /// appending to the same files would overwrite each other's lines.
    /// </summary>
    private static readonly ConcurrentDictionary<string, string> FilesInUse = new(StringComparer.Ordinal);

    private readonly FileOutputOptions _settings;
    private readonly OutputContext _context;
    private readonly ILogger _logger;
    private readonly OutputDirectory _directory;
    private readonly ConcurrentBag<JsonLinesBuffer> _buffers = [];
    private readonly Counter<long> _bytesWritten;
    private readonly Counter<long> _filesStarted;
    private readonly Lock _lock = new();
    private readonly string _filesKey;

    // Guarded by _lock.
    private JsonLinesFile? _file;
    private DateOnly _fileDate;
    private bool _disposed;

    public FileOutput(FileOutputOptions settings, OutputContext context)
    {
        _settings = settings;
        _context = context;
        _logger = context.Logger;
        _directory = new OutputDirectory(settings.Path!, settings.FileName);
        _filesKey = Path.Combine(settings.Path!, settings.FileName);
        if (!FilesInUse.TryAdd(_filesKey, context.Name))
        {
            var other = FilesInUse.GetValueOrDefault(_filesKey, "another output");
            throw new OutputConfigurationException(context.KeyOf("Path"),
                $"'{other}' already writes '{settings.FileName}' files in '{settings.Path!}'; give one of the outputs another Path or FileName.");
        }
        _bytesWritten = context.Meter.CreateCounter<long>("ogrt.collector.output.file.written", "By", "Bytes of JSON Lines the File output appended to its files.");
        _filesStarted = context.Meter.CreateCounter<long>("ogrt.collector.output.file.rotations", "{file}", "Files the File output started because of rotation.");
    }

    /// <summary>
    /// Creates the directory and opens the current file, so a directory that can never work
    /// stops the collector at start with the key to fix.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var key = _context.KeyOf("Path");
        var directory = _settings.Path!;
        if (System.IO.File.Exists(directory))
            throw new OutputConfigurationException(key, $"'{directory}' is a file; the File output needs a directory.");
        try
        {
            CreateDirectory();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new OutputConfigurationException(key, $"cannot create the directory '{directory}': {exception.Message}", exception);
        }

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                CurrentFile(Today(), 0);
            }
            catch (UnauthorizedAccessException exception)
            {
                throw new OutputConfigurationException(key, $"the directory '{directory}' is not writable by the collector: {exception.Message}", exception);
            }
        }
        return Task.CompletedTask;
    }

    public Task<WriteResult> WriteAsync(IReadOnlyList<ProcessRecord> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        cancellationToken.ThrowIfCancellationRequested();
        if (batch.Count == 0)
            return Delivered;

        var buffer = RentBuffer();
        try
        {
            var rejected = 0;
            Exception? firstError = null;
            for (var i = 0; i < batch.Count; i++)
            {
                if (!buffer.TryAppend(batch[i], out var error))
                {
                    rejected++;
                    firstError ??= error;
                }
            }

            var lines = buffer.WrittenMemory.Span;
            if (lines.Length > 0)
            {
                lock (_lock)
                {
                    ObjectDisposedException.ThrowIf(_disposed, this);
                    var file = CurrentFile(Today(), lines.Length);
                    file.Append(lines);
                    if (_settings.FlushToDisk)
                        file.FlushToDisk();
                }
                _bytesWritten.Add(lines.Length, _context.MetricTags);
            }

            if (rejected == 0)
                return Delivered;
            _logger.LogWarning(firstError, "Dropped {Rejected} of {Count} records of a batch that could not be written as JSON.", rejected, batch.Count);
            return Task.FromResult(new WriteResult([], 0, rejected));
        }
        finally
        {
            ReturnBuffer(buffer);
        }
    }

    /// <summary>Syncs the current file to disk and closes it; later writes throw.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_disposed)
                return ValueTask.CompletedTask;
            _disposed = true;
            if (_file is not null)
            {
                try
                {
                    _file.FlushToDisk();
                }
                catch (IOException exception)
                {
                    _logger.LogError(exception, "Could not sync {Path} to disk at shutdown.", _file.Path);
                }
                _file.Dispose();
                _file = null;
            }
        }
        while (_buffers.TryTake(out var buffer))
            buffer.Dispose();
        FilesInUse.TryRemove(_filesKey, out _);
        return ValueTask.CompletedTask;
    }

    private DateOnly Today() => DateOnly.FromDateTime(_context.TimeProvider.GetUtcNow().UtcDateTime);

    /// <summary>
    /// The file the next <paramref name="incomingBytes"/> go to: the open one, or after a
    /// restart the one to continue, or a new one when the date changed (Daily) or the bytes
    /// would take the file past MaxFileBytes. Called under the lock.
    /// </summary>
    private JsonLinesFile CurrentFile(DateOnly today, int incomingBytes)
    {
        if (_file is not null && !_file.IsStillAtItsPath())
        {
            // Deleted (with its directory, perhaps) or moved away: reopen rather than append to a file nobody sees.
            _logger.LogWarning("{Path} was removed or replaced by another process; writing to a new file at that path.", _file.Path);
            _file.Dispose();
            _file = null;
            CreateDirectory();
        }
        if (_file is null)
        {
            if (_settings.Rotation == FileRotation.None)
            {
                _file = JsonLinesFile.Open(Path.Combine(_directory.Path, _settings.FileName + ".jsonl"), _settings.PageCacheWindow, _logger);
                return _file;
            }
            var continued = _settings.Rotation == FileRotation.Daily ? _directory.LatestOn(today) : _directory.Latest();
            StartFile(continued ?? new OutputFileName(today, 0));
        }
        else if (_settings.Rotation == FileRotation.Daily && _fileDate != today)
        {
            StartFile(_directory.NextOn(today));
            _filesStarted.Add(1, _context.MetricTags);
        }
        else if (_settings.MaxFileBytes > 0 && _file.Length > 0 && _file.Length + incomingBytes > _settings.MaxFileBytes)
        {
            StartFile(_directory.NextOn(today));
            _filesStarted.Add(1, _context.MetricTags);
        }
        return _file!;
    }

    private void CreateDirectory() => Directory.CreateDirectory(_settings.Path!, DirectoryPermissions);

    private void StartFile(OutputFileName name)
    {
        var next = JsonLinesFile.Open(_directory.PathOf(name), _settings.PageCacheWindow, _logger);
        _file?.Dispose();
        _file = next;
        _fileDate = name.Date;
        if (_settings.RetainFiles > 0)
            _directory.DeleteOldest(_settings.RetainFiles, next.Path, _logger);
    }

    private JsonLinesBuffer RentBuffer() => _buffers.TryTake(out var buffer) ? buffer : new JsonLinesBuffer();

    private void ReturnBuffer(JsonLinesBuffer buffer)
    {
        if (buffer.Capacity > MaxPooledBufferBytes)
        {
            buffer.Dispose();
            return;
        }
        buffer.Clear();
        _buffers.Add(buffer);
    }
}
