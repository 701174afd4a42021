using System.Text;
using Ogrt.Agent.Settings;
using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Tests.Capture;

public class TextMatchingTests
{
    [TestCase("PATH", "PATH", true)]
    [TestCase("PATH", "PATHS", false)]
    [TestCase("SLURM_*", "SLURM_JOB_ID", true)]
    [TestCase("SLURM_*", "SLURM_", true)]
    [TestCase("SLURM_*", "XSLURM_JOB", false)]
    [TestCase("*TOKEN*", "GITHUB_TOKEN", true)]
    [TestCase("*TOKEN*", "TOKENIZER_PATH", true)]
    [TestCase("*TOKEN*", "TOKE", false)]
    [TestCase("OMP_?", "OMP_X", true)]
    [TestCase("OMP_?", "OMP_XY", false)]
    [TestCase("*_*_*", "A_B_C", true)]
    [TestCase("*_*_*", "A_BC", false)]
    [TestCase("*", "", true)]
    [TestCase("", "", true)]
    [TestCase("", "X", false)]
    [TestCase("a*b*c", "aXXbYYbZZc", true)]
    [TestCase("a*b*c", "aXXbYYbZZ", false)]
    public void GlobMatchesShellStyle(string pattern, string text, bool expected) =>
        Assert.That(GlobPattern.Matches(Encoding.UTF8.GetBytes(pattern), Encoding.UTF8.GetBytes(text)), Is.EqualTo(expected));

    [TestCase("none", "PATH", false)]
    [TestCase("", "PATH", false)]
    [TestCase("all", "PATH", true)]
    [TestCase("all", "ANYTHING_ELSE", true)]
    [TestCase("PATH,HOME", "HOME", true)]
    [TestCase("PATH, HOME", "HOME", true)]
    [TestCase("PATH,HOME", "SHELL", false)]
    [TestCase("SLURM_*,OMP_*", "OMP_NUM_THREADS", true)]
    [TestCase("all,!*TOKEN*,!*SECRET*", "AWS_SECRET_ACCESS_KEY", false)]
    [TestCase("all,!*TOKEN*,!*SECRET*", "USER", true)]
    [TestCase("!*TOKEN*,all", "MY_TOKEN", false)]
    [TestCase("!*TOKEN*", "PATH", false)]
    [TestCase("none,PATH", "PATH", true)]
    public void EnvironmentCaptureFilterIncludesAndExcludes(string rules, string name, bool expected) =>
        Assert.That(new EnvironmentCaptureFilter(Encoding.UTF8.GetBytes(rules)).Matches(Encoding.UTF8.GetBytes(name)), Is.EqualTo(expected));

    [TestCase("none", true)]
    [TestCase("", true)]
    [TestCase(" , ", true)]
    [TestCase("!*SECRET*", true)]
    [TestCase("all", false)]
    [TestCase("PATH", false)]
    public void CapturesNothingSkipsTheScan(string rules, bool expected) =>
        Assert.That(new EnvironmentCaptureFilter(Encoding.UTF8.GetBytes(rules)).CapturesNothing, Is.EqualTo(expected));

    [TestCase("collector.example:7971", "collector.example", 7971)]
    [TestCase("10.1.2.3:9000", "10.1.2.3", 9000)]
    [TestCase("[::1]:7000", "::1", 7000)]
    [TestCase("[fe80::1%eth0]:7000", "fe80::1%eth0", 7000)]
    [TestCase("[::1]", "::1", 7971)]
    [TestCase("::1", "::1", 7971)]
    [TestCase("collector", "collector", 7971)]
    [TestCase(" collector:1 ", "collector", 1)]
    [TestCase("host:65535", "host", 65535)]
    public void CollectorAddressParses(string text, string host, int port)
    {
        Assert.That(CollectorAddress.TryParse(Encoding.UTF8.GetBytes(text), out var address), Is.True);
        Assert.That(Encoding.UTF8.GetString(address.Host), Is.EqualTo(host));
        Assert.That(address.Port, Is.EqualTo(port));
    }

    [TestCase("")]
    [TestCase(":7971")]
    [TestCase("host:")]
    [TestCase("host:0")]
    [TestCase("host:65536")]
    [TestCase("host:12a")]
    [TestCase("host:-1")]
    [TestCase("host:999999")]
    [TestCase("[::1")]
    [TestCase("[::1]7971")]
    [TestCase("[::1]:")]
    [TestCase("[]:7971")]
    [TestCase("two words:1")]
    [TestCase("http://host:1")]
    public void CollectorAddressRejects(string text) =>
        Assert.That(CollectorAddress.TryParse(Encoding.UTF8.GetBytes(text), out _), Is.False);

    [TestCase("abc", 2, "ab")]
    [TestCase("aé", 2, "a")]
    [TestCase("aé", 3, "aé")]
    [TestCase("a✓", 3, "a")]
    [TestCase("a✓", 2, "a")]
    [TestCase("a𝄞", 4, "a")]
    [TestCase("a𝄞", 5, "a𝄞")]
    [TestCase("✓✓", 4, "✓")]
    public void Utf8PrefixNeverSplitsACharacter(string text, int maxLength, string expected)
    {
        bool truncated = false;
        var prefix = Utf8Boundary.Prefix(Encoding.UTF8.GetBytes(text), maxLength, ref truncated);
        Assert.That(Encoding.UTF8.GetString(prefix), Is.EqualTo(expected));
        Assert.That(truncated, Is.EqualTo(Encoding.UTF8.GetByteCount(text) > maxLength));
    }
}
