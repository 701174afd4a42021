namespace Ogrt.Deployment.Tests;

/// <summary>The shipped site.conf against what the agent ships.</summary>
public sealed class SiteConfTests
{
    [Test]
    public void DefaultFilter_IsTheAgentsRecommendedRuleSet()
    {
        var rules = File.ReadLines(Path.Combine(InstalledTree.RepositoryRoot, "Ogrt.Agent/native/site-filter.rules"))
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'));
        var filterLines = File.ReadLines(Path.Combine(InstalledTree.RepositoryRoot, "packaging/site.conf"))
            .Where(line => line.StartsWith("OGRT_FILTER=", StringComparison.Ordinal))
            .ToArray();

        Assert.That(filterLines, Is.EqualTo(new[] { "OGRT_FILTER=" + string.Join(':', rules) }));
    }
}
