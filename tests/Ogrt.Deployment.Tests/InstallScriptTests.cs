using System.Security.Cryptography;

namespace Ogrt.Deployment.Tests;

/// <summary>packaging/install.sh into fresh temporary prefixes, from the built tree.</summary>
public sealed class InstallScriptTests
{
    [Test]
    public void DryRun_ShowsTheStepsAndChangesNothing()
    {
        string prefix = InstalledTree.NewPath("dry-run");

        var result = InstalledTree.RunInstall("--from", InstalledTree.BuiltTree, "--prefix", prefix, "--no-systemd", "--dry-run");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(Path.Exists(prefix), Is.False, "a dry run created the prefix");
            Assert.That(result.Error, Does.Contain($"would run: cp -R --remove-destination {InstalledTree.BuiltTree}/lib/. {prefix}/lib/"));
            Assert.That(result.Error, Does.Contain($"{prefix}/etc/site.conf"));
            Assert.That(result.Error, Does.Contain("nothing was changed"));
        });
    }

    [Test]
    public void Reinstall_ReproducesTheTree_AndKeepsSiteSettingsAndAddedPlugins()
    {
        string prefix = InstalledTree.NewPath("reinstall");
        string[] install = ["--from", InstalledTree.BuiltTree, "--prefix", prefix, "--no-systemd"];
        var first = InstalledTree.RunInstall(install);
        Assert.That(first.ExitCode, Is.Zero, first.ToString());
        var firstTree = Snapshot(prefix);

        var second = InstalledTree.RunInstall(install);
        Assert.That(second.ExitCode, Is.Zero, second.ToString());
        Assert.That(Snapshot(prefix), Is.EqualTo(firstTree), "a second install changed the tree");

        // What the site adds or edits survives an upgrade.
        string siteConf = Path.Combine(prefix, "etc/site.conf");
        File.WriteAllText(siteConf, "OGRT_COLLECTOR=collector.example.org:7971\n");
        string addedPlugin = Path.Combine(prefix, "collector/plugins/Site.Output/Site.Output.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(addedPlugin)!);
        File.WriteAllText(addedPlugin, "site plugin");

        var third = InstalledTree.RunInstall([.. install, "--collector", "10.1.2.3:7971"]);

        Assert.That(third.ExitCode, Is.Zero, third.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(siteConf), Is.EqualTo("OGRT_COLLECTOR=10.1.2.3:7971\n"));
            Assert.That(File.ReadAllText(addedPlugin), Is.EqualTo("site plugin"));
            Assert.That(third.Error, Does.Contain("keeping the site settings"));
        });
    }

    [Test]
    public void Install_LaysOutTheDocumentedTree()
    {
        string prefix = InstalledTree.Prefix;
        Assert.Multiple(() =>
        {
            foreach (string path in new[]
            {
                "lib/libogrt.so", "bin/ogrt", "libexec/ogrt/ld", "collector/ogrt-collector", "collector/appsettings.json",
                "etc/site.conf", "share/ogrt/site.conf.default", "share/ogrt/modulefiles/ogrt", "share/ogrt/modulefiles/ogrt.lua",
                "share/ogrt/systemd/ogrt-collector.service", "share/doc/ogrt/deployment.md",
            })
            {
                Assert.That(Path.Combine(prefix, path), Does.Exist, path);
            }
            Assert.That(Directory.GetDirectories(Path.Combine(prefix, "collector/plugins")), Is.Not.Empty, "no output plugin installed");
        });
    }

    [Test]
    public void InstalledUnit_PointsIntoThePrefix_AndSystemdAcceptsIt()
    {
        string unit = Path.Combine(InstalledTree.Prefix, "share/ogrt/systemd/ogrt-collector.service");
        string text = File.ReadAllText(unit);
        Assert.That(text, Does.Contain($"{InstalledTree.Prefix}/collector/ogrt-collector"));
        Assert.That(text, Does.Not.Contain("/opt/ogrt"));

        var verify = BashScript.Run($"systemd-analyze verify {BashScript.Quote(unit)}");

        Assert.That(verify.ExitCode, Is.Zero, verify.ToString());
    }

    [TestCase("with blank")]
    [TestCase("with:colon")]
    public void Install_RejectsAPrefixThatPathListsCannotHold(string name)
    {
        string prefix = Path.Combine(InstalledTree.NewDirectory("bad-prefix"), name);

        var result = InstalledTree.RunInstall("--from", InstalledTree.BuiltTree, "--prefix", prefix, "--no-systemd");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero);
            Assert.That(result.Error, Does.Contain("contains a blank or ':'"));
            Assert.That(Path.Exists(prefix), Is.False);
        });
    }

    [Test]
    public void Install_FromATreeThatIsNotBuilt_NamesWhatIsMissing()
    {
        string tree = InstalledTree.NewDirectory("not-built");
        Directory.CreateDirectory(Path.Combine(tree, "lib"));
        File.WriteAllText(Path.Combine(tree, "lib/libogrt.so"), "");
        string prefix = InstalledTree.NewPath("from-not-built");

        var result = InstalledTree.RunInstall("--from", tree, "--prefix", prefix, "--no-systemd");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero);
            Assert.That(result.Error, Does.Contain("it lacks: bin/ogrt collector/ogrt-collector"));
            Assert.That(Path.Exists(prefix), Is.False);
        });
    }

    // Every file and link under the prefix with its mode and content hash.
    private static SortedDictionary<string, string> Snapshot(string prefix)
    {
        var snapshot = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in new DirectoryInfo(prefix).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(prefix, entry.FullName);
            snapshot[relative] = entry switch
            {
                _ when entry.LinkTarget is not null => $"link {entry.LinkTarget}",
                FileInfo file => $"{file.UnixFileMode} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file.FullName)))}",
                _ => $"directory {File.GetUnixFileMode(entry.FullName)}",
            };
        }
        return snapshot;
    }
}
