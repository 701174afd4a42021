using System.Diagnostics;

namespace Ogrt.Outputs.File.Tests;

/// <summary>
/// Takes write permission away from a directory until disposed: chmod 0500 for an ordinary
/// user; root ignores permissions, so as root the directory is made immutable (chattr +i).
/// </summary>
internal sealed class DirectoryWriteProtection : IDisposable
{
    private readonly string _directory;
    private readonly bool _immutable;

    private DirectoryWriteProtection(string directory, bool immutable)
    {
        _directory = directory;
        _immutable = immutable;
    }

    /// <summary>Protects the directory, or ignores the test where neither way works.</summary>
    public static DirectoryWriteProtection Apply(string directory)
    {
        System.IO.File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        if (!CanCreateFileIn(directory))
            return new DirectoryWriteProtection(directory, immutable: false);

        if (RunChattr("+i", directory) && !CanCreateFileIn(directory))
            return new DirectoryWriteProtection(directory, immutable: true);
        RunChattr("-i", directory);
        Assert.Ignore("Cannot make a directory unwritable here (root without chattr +i support).");
        return null!;
    }

    public void Dispose()
    {
        if (_immutable)
            RunChattr("-i", _directory);
        System.IO.File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static bool CanCreateFileIn(string directory)
    {
        var probe = Path.Combine(directory, "probe");
        try
        {
            System.IO.File.WriteAllText(probe, "");
            System.IO.File.Delete(probe);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool RunChattr(string flag, string path)
    {
        try
        {
            using var chattr = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })!;
            chattr.StandardError.ReadToEnd();
            chattr.WaitForExit();
            return chattr.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
