using Ogrt.Cli.Interop;

namespace Ogrt.Cli.Linking;

/// <summary>
/// Finds the linker the wrapper stands in for, the way gcc's collect2 finds `ld`: the
/// directories of COMPILER_PATH first, then PATH. Candidates are compared with the wrappers to
/// skip by device and inode, never by name or path, so symlinks, hard links and copies of the
/// wrapper reached through another directory are all recognised.
/// </summary>
internal static class RealLinkerLocator
{
    // What execvp(3) searches when PATH is unset.
    private const string DefaultPath = "/bin:/usr/bin";

    public static string? Find(string name, IReadOnlySet<string> wrapperIdentities, string? compilerPath, string? path)
    {
        foreach (string directory in Directories(compilerPath).Concat(Directories(path ?? DefaultPath)))
        {
            string candidate = Path.Join(directory, name);
            if (FileStatus.TryGet(candidate, out var status, out _)
                && status.IsRegularFile
                && !wrapperIdentities.Contains(status.Identity)
                && LibC.Access(candidate, LibC.ExecutableAccess) == 0)
                return candidate;
        }
        return null;
    }

    // An empty entry means the current directory, as in the shell's PATH search.
    private static IEnumerable<string> Directories(string? searchPath) =>
        string.IsNullOrEmpty(searchPath)
            ? []
            : searchPath.Split(':').Select(entry => entry.Length == 0 ? "." : entry);
}
