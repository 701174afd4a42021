namespace Ogrt.Outputs.Abstractions;

/// <summary>
/// Creates the files and directories that keep records on the collector's side (spool, dead
/// letters, output state): records carry command lines and environments, which hold secrets,
/// so only the collector's user may read them, whatever the umask and however an older version
/// created them.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates the directory (and missing parents) and makes the directory itself owner-only.</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
            throw UnixOnly();
        Directory.CreateDirectory(path, DirectoryMode);
        File.SetUnixFileMode(path, DirectoryMode);
    }

    /// <summary>Opens or creates a file and makes it owner-only.</summary>
    public static FileStream Open(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize = 4096, FileOptions options = FileOptions.None)
    {
        if (OperatingSystem.IsWindows())
            throw UnixOnly();
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = mode,
            Access = access,
            Share = share,
            BufferSize = bufferSize,
            Options = options,
            // Owner-only from the first byte on; the chmod below also covers an existing file.
            UnixCreateMode = mode is System.IO.FileMode.Open or System.IO.FileMode.Truncate ? null : FileMode,
        });
        try
        {
            File.SetUnixFileMode(stream.SafeFileHandle, FileMode);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    // The collector runs on Linux; the guards at the call sites tell the platform analyzer so.
    private static PlatformNotSupportedException UnixOnly() => new("Unix file modes are required to keep records private.");
}
