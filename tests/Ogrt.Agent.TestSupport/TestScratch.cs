namespace Ogrt.Agent.Tests.Infrastructure;

/// <summary>
/// Temporary directories for one test run, all under a single root that
/// <see cref="TestRunCleanup"/> deletes when the run ends.
/// Usage: <c>string dir = TestScratch.CreateDirectory("watermark");</c>
/// </summary>
public static class TestScratch
{
    private static readonly Lazy<string> Root = new(() =>
        Directory.CreateTempSubdirectory("ogrt-agent-tests-").FullName);

    /// <summary>True once a directory was created (so cleanup knows there is something to delete).</summary>
    public static bool IsCreated => Root.IsValueCreated;

    public static string RootPath => Root.Value;

    /// <summary>A new, empty directory; <paramref name="purpose"/> only makes its name readable.</summary>
    public static string CreateDirectory(string purpose)
    {
        string path = Path.Combine(Root.Value, $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
