namespace Ogrt.Cli.Doctor;

/// <summary>
/// Where the parts of the installation this `ogrt` binary belongs to live: it is
/// PREFIX/bin/ogrt, next to PREFIX/lib (agent), PREFIX/libexec/ogrt (linker wrapper) and
/// PREFIX/etc/site.conf.
/// </summary>
internal sealed record InstallLayout(string Prefix)
{
    public string Agent => Path.Join(Prefix, "lib", "libogrt.so");

    public string WrapperDirectory => Path.Join(Prefix, "libexec", "ogrt");

    public string Wrapper => Path.Join(WrapperDirectory, "ld");

    public string SiteConf => Path.Join(Prefix, "etc", "site.conf");

    /// <summary>The glibc version each node-side binary needs ("PIECE VERSION" lines), recorded by build.sh.</summary>
    public string GlibcRequirement => Path.Join(Prefix, "lib", "glibc-requirement");

    /// <summary>The layout of the running binary (symlinks to it resolved).</summary>
    public static InstallLayout OfThisProgram()
    {
        string program = Environment.ProcessPath ?? "/proc/self/exe";
        string real = new FileInfo(program).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(program);
        string bin = Path.GetDirectoryName(real) ?? "/";
        return new InstallLayout(Path.GetDirectoryName(bin) ?? "/");
    }
}
