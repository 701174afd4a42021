namespace Ogrt.Deployment.Tests;

/// <summary>
/// `module load ogrt` / `module unload ogrt` in bash with the real module systems, against the
/// tree install.sh installed.
/// </summary>
[TestFixture(ModuleSystem.EnvironmentModules)]
[TestFixture(ModuleSystem.Lmod)]
public sealed class ModulefileTests(string moduleSystemName)
{
    private static readonly TimeSpan RecordTimeout = TimeSpan.FromMinutes(2);

    // Prints each variable as NAME=value, or NAME unset, so that unset and empty differ.
    private const string PrintPaths =
        "for name in LD_PRELOAD PATH COMPILER_PATH; do if [[ -v $name ]]; then printf '%s=%s\\n' $name \"${!name}\"; else printf '%s unset\\n' $name; fi; done";

    private ModuleSystem modules = null!;

    [OneTimeSetUp]
    public void FindModuleSystem() => modules = ModuleSystem.Find(moduleSystemName);

    [Test]
    public async Task LoadedModule_ProcessIsReportedWithTheModuleList()
    {
        // A program outside the system directories the site filter skips, with a unique name.
        string probe = Path.Combine(InstalledTree.NewDirectory("probe"), $"ogrt-probe-{Guid.NewGuid():N}");
        File.Copy("/bin/true", probe);

        var result = RunWithModules($"module load ogrt || exit 10\n{BashScript.Quote(probe)}");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var received = await InstalledTree.Listener.WaitUntilAsync(
            all => all.Any(info => info.Binpath == probe), $"the record of {probe} (run: {result})", RecordTimeout);
        var record = received.First(info => info.Binpath == probe);
        Assert.That(record.LoadedModules.Select(module => module.Name), Does.Contain("ogrt"));
    }

    [TestCase(null, null)]
    [TestCase("libm.so.6", "/usr/lib/gcc/x86_64-linux-gnu/12")]
    [TestCase("libm.so.6 libdl.so.2", "/usr/libexec/gcc:/usr/lib/gcc")]
    public void Unload_RestoresPreloadAndPathsExactly(string? preload, string? compilerPath)
    {
        var environment = new Dictionary<string, string>();
        if (preload is not null)
            environment["LD_PRELOAD"] = preload;
        if (compilerPath is not null)
            environment["COMPILER_PATH"] = compilerPath;

        var result = RunWithModules(
            $"{PrintPaths}\necho ---\nmodule load ogrt || exit 10\n{PrintPaths}\necho ---\nmodule unload ogrt || exit 11\n{PrintPaths}",
            environment);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        string[] states = result.Output.Split("---\n");
        Assert.That(states, Has.Length.EqualTo(3), result.ToString());
        string agent = Path.Combine(InstalledTree.Prefix, "lib/libogrt.so");
        string wrapper = Path.Combine(InstalledTree.Prefix, "libexec/ogrt");
        string expectedPreload = preload is null ? agent : $"{agent}:{preload}";
        Assert.Multiple(() =>
        {
            Assert.That(states[1], Does.Contain($"LD_PRELOAD={expectedPreload}\n"));
            Assert.That(states[1], Does.Contain($"PATH={wrapper}:{InstalledTree.Prefix}/bin:"));
            Assert.That(states[1], Does.Contain($"COMPILER_PATH={wrapper}"));
            Assert.That(states[2], Is.EqualTo(states[0]), "module unload ogrt left the environment changed");
        });
    }

    [Test]
    public void LoadedModule_GccLinksThroughTheWatermarkingWrapper()
    {
        string work = InstalledTree.NewDirectory("link");
        File.WriteAllText(Path.Combine(work, "hello.c"), "int main(void) { return 0; }\n");

        var result = RunWithModules(
            $"cd {BashScript.Quote(work)} || exit 9\nmodule load ogrt || exit 10\n"
            + "gcc -print-prog-name=ld\ngcc -o hello hello.c || exit 11\nreadelf --notes hello");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        string[] lines = result.Output.Split('\n');
        Assert.Multiple(() =>
        {
            Assert.That(lines[0], Is.EqualTo(Path.Combine(InstalledTree.Prefix, "libexec/ogrt/ld")));
            // readelf lists the OGRT note by its owner name in the .note.ogrt.info section.
            Assert.That(result.Output, Does.Contain(".note.ogrt.info"));
            Assert.That(result.Output, Does.Match(@"\bOGRT\s+0x[0-9a-f]+"));
        });
    }

    [Test]
    public void SiteSettings_LinkedModulefileSetsThemOnLoadAndRemovesThemOnUnload()
    {
        string prefix = CreatePrefix("OGRT_COLLECTOR=192.0.2.7:7971\n# a comment\n\nOGRT_FILTER=-/usr/*:+/apps/*\nOGRT_ACTIVE=0\n", withAgent: true);
        // A site module tree links the modulefiles; the prefix is found through the links.
        string siteTree = InstalledTree.NewDirectory("site-modulefiles");
        File.CreateSymbolicLink(Path.Combine(siteTree, moduleSystemName == ModuleSystem.Lmod ? "ogrt.lua" : "ogrt"),
            Path.Combine(prefix, "share/ogrt/modulefiles", moduleSystemName == ModuleSystem.Lmod ? "ogrt.lua" : "ogrt"));

        var result = BashScript.Run(
            $"{modules.Setup}\nmodule use {BashScript.Quote(siteTree)}\nmodule load ogrt || exit 10\n"
            + "env | grep ^OGRT_ | sort\necho \"LD_PRELOAD=$LD_PRELOAD\"\necho ---\nmodule unload ogrt || exit 11\nenv | grep ^OGRT_ | sort");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        string[] states = result.Output.Split("---\n");
        Assert.Multiple(() =>
        {
            Assert.That(states[0], Is.EqualTo(
                "OGRT_ACTIVE=0\nOGRT_COLLECTOR=192.0.2.7:7971\nOGRT_FILTER=-/usr/*:+/apps/*\n"
                + $"LD_PRELOAD={prefix}/lib/libogrt.so\n"));
            Assert.That(states[1], Is.Empty, "module unload ogrt left OGRT_* variables set");
        });
    }

    [Test]
    public void MalformedSiteConf_LoadFailsNamingTheLine()
    {
        string prefix = CreatePrefix("# collector\nOGRT_COLLECTOR 127.0.0.1:7971\n", withAgent: true);

        var result = LoadFrom(prefix);

        Assert.Multiple(() =>
        {
            Assert.That(result.Output, Does.Contain("LD_PRELOAD unset"), result.ToString());
            Assert.That(OneLine(result.Error), Does.Contain($"{prefix}/etc/site.conf line 2: expected OGRT_NAME=value"));
        });
    }

    [Test]
    public void MissingAgent_LoadFailsNamingIt()
    {
        string prefix = CreatePrefix("OGRT_COLLECTOR=127.0.0.1:7971\n", withAgent: false);

        var result = LoadFrom(prefix);

        Assert.Multiple(() =>
        {
            Assert.That(result.Output, Does.Contain("LD_PRELOAD unset"), result.ToString());
            Assert.That(OneLine(result.Error), Does.Contain($"the agent {prefix}/lib/libogrt.so is missing"));
        });
    }

    [Test]
    public void NodeGlibcOlderThanABinaryNeeds_LoadRefusesNamingBothVersions()
    {
        string prefix = CreatePrefix("OGRT_COLLECTOR=127.0.0.1:7971\n", withAgent: true);
        // One piece of this prefix needs more than the others: the newest need decides.
        File.AppendAllText(Path.Combine(prefix, "lib/glibc-requirement"), "sbin/ogrt-agent-service 2.30\n");

        var result = LoadFrom(prefix, OnNodeWithGlibc("2.28"));

        Assert.Multiple(() =>
        {
            Assert.That(result.Output, Does.Contain("LD_PRELOAD unset"), result.ToString());
            Assert.That(result.Output, Does.Not.Contain("libexec/ogrt"), "the linker wrapper must stay out of PATH");
            Assert.That(OneLine(result.Error), Does.Contain("this node's glibc 2.28 is older than OGRT.NET needs (2.30)"));
        });
    }

    [Test]
    public void NodeWithRhel8Glibc_LoadsTheAgentAndTheLinkerWrapper()
    {
        string prefix = CreatePrefix("OGRT_COLLECTOR=127.0.0.1:7971\n", withAgent: true);
        Assert.That(File.ReadAllText(Path.Combine(prefix, "lib/glibc-requirement")), Does.Match(@"^lib/libogrt\.so 2\.[0-9]+\n"), "build.sh records what each binary needs");

        var result = LoadFrom(prefix, OnNodeWithGlibc("2.28"));

        Assert.Multiple(() =>
        {
            Assert.That(result.Output, Does.Contain($"LD_PRELOAD={prefix}/lib/libogrt.so"), result.ToString());
            Assert.That(result.Output, Does.Contain($"{prefix}/libexec/ogrt"), "the linker wrapper belongs on PATH");
            Assert.That(result.Error, Does.Not.Contain("glibc"));
        });
    }

    // A node whose glibc is VERSION, as far as the module files can tell (getconf GNU_LIBC_VERSION).
    private static Dictionary<string, string> OnNodeWithGlibc(string version)
    {
        string fakeBin = InstalledTree.NewDirectory("glibc-" + version);
        File.WriteAllText(Path.Combine(fakeBin, "getconf"), $"#!/bin/sh\necho 'glibc {version}'\n");
        File.SetUnixFileMode(Path.Combine(fakeBin, "getconf"), (UnixFileMode)0b111_101_101);
        return new Dictionary<string, string> { ["PATH"] = $"{fakeBin}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" };
    }

    [Test]
    public void SiteConfBrokenAfterLoad_UnloadStillRestoresThePaths()
    {
        string prefix = CreatePrefix("OGRT_COLLECTOR=127.0.0.1:7971\n", withAgent: true);
        string siteConf = BashScript.Quote(Path.Combine(prefix, "etc/site.conf"));

        var result = BashScript.Run(
            $"{modules.Setup}\nmodule use {BashScript.Quote(Path.Combine(prefix, "share/ogrt/modulefiles"))}\n{PrintPaths}\necho ---\n"
            + $"module load ogrt || exit 10\necho broken > {siteConf}\nmodule unload ogrt\n{PrintPaths}");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        string[] states = result.Output.Split("---\n");
        Assert.Multiple(() =>
        {
            Assert.That(states[1], Is.EqualTo(states[0]), result.ToString());
            Assert.That(OneLine(result.Error), Does.Contain("line 1: expected OGRT_NAME=value"));
        });
    }

    private ShellResult RunWithModules(string commands, IReadOnlyDictionary<string, string>? environment = null) =>
        BashScript.Run($"{modules.Setup}\nmodule use {BashScript.Quote(InstalledTree.Modulefiles)}\n{commands}", environment);

    private ShellResult LoadFrom(string prefix, IReadOnlyDictionary<string, string>? environment = null) =>
        BashScript.Run($"{modules.Setup}\nmodule use {BashScript.Quote(Path.Combine(prefix, "share/ogrt/modulefiles"))}\n"
            + $"module load ogrt\n{PrintPaths}", environment);

    // Both module systems wrap long messages; compare them with every run of blanks as one space.
    private static string OneLine(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    // A minimal prefix of its own (modulefiles, site.conf, optionally the agent), so a test can
    // break it without touching the shared installation.
    private static string CreatePrefix(string siteConf, bool withAgent)
    {
        string prefix = InstalledTree.NewDirectory("prefix");
        string modulefiles = Directory.CreateDirectory(Path.Combine(prefix, "share/ogrt/modulefiles")).FullName;
        foreach (string name in new[] { "ogrt", "ogrt.lua" })
            File.Copy(Path.Combine(InstalledTree.Modulefiles, name), Path.Combine(modulefiles, name));
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(prefix, "etc")).FullName, "site.conf"), siteConf);
        if (withAgent)
        {
            string lib = Directory.CreateDirectory(Path.Combine(prefix, "lib")).FullName;
            foreach (string file in Directory.GetFiles(Path.Combine(InstalledTree.Prefix, "lib")))
                File.Copy(file, Path.Combine(lib, Path.GetFileName(file)));
        }
        return prefix;
    }
}
