using System.Text.RegularExpressions;

namespace Ogrt.Deployment.Tests;

/// <summary>
/// The glibc symbol versions of every binary in the built tree (objdump -T): the gate loads on
/// glibc 2.17 (RHEL 7), everything else on 2.28 (RHEL 8); and lib/glibc-requirement, which the
/// module files and `ogrt doctor` compare a node's glibc with, says what each node-side binary needs.
/// </summary>
public sealed partial class ShippedBinaryTests
{
    private static readonly Version GateLimit = new(2, 17);
    private static readonly Version Limit = new(2, 28);

    [Test]
    public void NoShippedBinaryReferencesAGlibcNewerThanItsLimit()
    {
        string tree = InstalledTree.BuiltTree;
        string[] binaries = Directory.EnumerateFiles(tree, "*", SearchOption.AllDirectories).Where(IsElf).ToArray();
        Assert.That(binaries.Select(binary => Path.GetRelativePath(tree, binary)),
            Is.SupersetOf(new[] { "lib/libogrt.so", "lib/ogrt-capture.so", "bin/ogrt", "sbin/ogrt-agent-service" }));

        Assert.Multiple(() =>
        {
            foreach (string binary in binaries)
            {
                string name = Path.GetRelativePath(tree, binary);
                var limit = name == "lib/libogrt.so" ? GateLimit : Limit;
                var needed = NewestGlibcVersion(binary);
                Assert.That(needed, Is.Null.Or.LessThanOrEqualTo(limit), $"{name} references GLIBC_{needed}");
            }
        });
    }

    [Test]
    public void TheRecordedRequirementNamesEachNodeSideBinaryAndTheNewestVersionItReferences()
    {
        string tree = InstalledTree.BuiltTree;
        string[] nodeSide =
        [
            .. Directory.GetFiles(Path.Combine(tree, "lib"), "*.so"),
            Path.Combine(tree, "bin/ogrt"),
            Path.Combine(tree, "sbin/ogrt-agent-service"),
        ];
        string expected = string.Concat(nodeSide.Select(binary => $"{Path.GetRelativePath(tree, binary)} {NewestGlibcVersion(binary)}\n"));

        Assert.That(File.ReadAllText(Path.Combine(tree, "lib/glibc-requirement")), Is.EqualTo(expected));
    }

    private static bool IsElf(string path)
    {
        var magic = new byte[4];
        using var file = File.OpenRead(path);
        return file.Read(magic) == 4 && magic is [0x7f, (byte)'E', (byte)'L', (byte)'F'];
    }

    private static Version? NewestGlibcVersion(string binary)
    {
        var result = BashScript.Run($"objdump -T {BashScript.Quote(binary)}");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        return GlibcVersion().Matches(result.Output).Select(match => Version.Parse(match.Groups[1].Value)).Max();
    }

    [GeneratedRegex(@"GLIBC_([0-9]+\.[0-9]+(?:\.[0-9]+)?)")]
    private static partial Regex GlibcVersion();
}
