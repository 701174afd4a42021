namespace Ogrt.Deployment.Tests;

/// <summary>
/// One of the two module systems HPC sites use, as installed on this machine: the bash lines
/// that define the `module` command in a fresh shell.
/// </summary>
public sealed record ModuleSystem(string Name, string Setup)
{
    public const string EnvironmentModules = nameof(EnvironmentModules);
    public const string Lmod = nameof(Lmod);

    /// <summary>Finds the named module system or fails with how to install it.</summary>
    public static ModuleSystem Find(string name) => name switch
    {
        EnvironmentModules => FindEnvironmentModules(),
        Lmod => FindLmod(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown module system"),
    };

    private static ModuleSystem FindEnvironmentModules()
    {
        const string init = "/usr/share/modules/init/bash";
        if (!File.Exists(init))
            Assert.Fail($"Environment Modules is not installed ({init} is missing): apt-get install environment-modules");
        return new ModuleSystem(EnvironmentModules, $"source {init}");
    }

    // Debian's lmod and environment-modules packages conflict, so next to an installed
    // environment-modules Lmod is used unpacked from its .deb (see docs/deployment.md).
    private static ModuleSystem FindLmod()
    {
        string[] candidates =
        [
            Environment.GetEnvironmentVariable("OGRT_LMOD_DIR") ?? "",
            "/usr/share/lmod/lmod",
            Path.Combine(InstalledTree.RepositoryRoot, "artifacts/lmod/usr/share/lmod/lmod"),
        ];
        string? root = candidates.FirstOrDefault(candidate => candidate.Length > 0 && File.Exists(Path.Combine(candidate, "libexec/lmod")));
        if (root is null)
            Assert.Fail($"Lmod was not found in {string.Join(", ", candidates.Where(c => c.Length > 0))}: apt-get install lmod, or unpack it with "
                + "`apt-get download lmod && dpkg-deb -x lmod_*.deb artifacts/lmod` (its dependencies: lua5.3 lua-posix lua-filesystem lua-json lua-term tcl)");
        string quoted = BashScript.Quote(root!);
        return new ModuleSystem(Lmod,
            $"export LMOD_PKG={quoted} LMOD_DIR={quoted}/libexec LMOD_CMD={quoted}/libexec/lmod\n"
            + "module() { eval \"$(\"$LMOD_CMD\" bash \"$@\")\"; }");
    }
}
