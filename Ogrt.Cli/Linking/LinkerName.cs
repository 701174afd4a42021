namespace Ogrt.Cli.Linking;

/// <summary>The program names under which the `ogrt` binary acts as a linker wrapper.</summary>
internal static class LinkerName
{
    /// <summary>
    /// ld, ld.bfd, ld.gold, ld.lld, ld.mold and target-prefixed forms (x86_64-linux-gnu-ld):
    /// gcc's collect2 looks for "ld" by default and "ld.NAME" with -fuse-ld=NAME.
    /// </summary>
    public static bool IsLinkerName(string name) =>
        name == "ld" || name.StartsWith("ld.", StringComparison.Ordinal)
        || name.EndsWith("-ld", StringComparison.Ordinal) || name.Contains("-ld.", StringComparison.Ordinal);
}
