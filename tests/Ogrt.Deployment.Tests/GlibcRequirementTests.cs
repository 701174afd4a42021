using System.Text.RegularExpressions;

namespace Ogrt.Deployment.Tests;

/// <summary>
/// lib/glibc-requirement, which the module files and `ogrt doctor` compare a node's glibc with,
/// says exactly what the shipped node-side binaries need (objdump -T of each).
/// </summary>
public sealed partial class GlibcRequirementTests
{
    [Test]
    public void TheRecordedRequirementIsTheNewestGlibcVersionAnyNodeSideBinaryReferences()
    {
        string tree = InstalledTree.BuiltTree;
        string[] binaries =
        [
            .. Directory.GetFiles(Path.Combine(tree, "lib"), "*.so"),
            Path.Combine(tree, "bin/ogrt"),
            Path.Combine(tree, "sbin/ogrt-agent-service"),
        ];
        var needs = binaries.ToDictionary(binary => Path.GetRelativePath(tree, binary), NewestGlibcVersion);
        TestContext.Progress.WriteLine("glibc needed: " + string.Join(", ", needs.Select(pair => $"{pair.Key} {pair.Value}")));

        var recorded = Version.Parse(File.ReadAllText(Path.Combine(tree, "lib/glibc-requirement")).Trim());

        Assert.That(recorded, Is.EqualTo(needs.Values.Max()));
    }

    private static Version NewestGlibcVersion(string binary)
    {
        var result = BashScript.Run($"objdump -T {BashScript.Quote(binary)}");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        return GlibcVersion().Matches(result.Output).Select(match => Version.Parse(match.Groups[1].Value)).Max()
            ?? throw new AssertionException($"{binary} references no GLIBC symbol version");
    }

    [GeneratedRegex(@"GLIBC_([0-9]+\.[0-9]+(?:\.[0-9]+)?)")]
    private static partial Regex GlibcVersion();
}
