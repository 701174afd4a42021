namespace Ogrt.Collector.Tests.Support;

/// <summary>Where the repository and the collector's own build output are, seen from the test binary.</summary>
internal static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    /// <summary>The collector's build output (same configuration as the tests), as it is installed: binary, appsettings.json.</summary>
    public static string CollectorOutput
    {
        get
        {
            // The test binary is in tests/Ogrt.Collector.Tests/bin/<Configuration>/<TargetFramework>/.
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string framework = testOutput.Name;
            string configuration = testOutput.Parent!.Name;
            return Path.Combine(Root, "Ogrt.Collector", "bin", configuration, framework);
        }
    }

    public static string SystemdUnit => Path.Combine(Root, "packaging", "systemd", "ogrt-collector.service");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Ogrt.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No Ogrt.sln above {AppContext.BaseDirectory}");
    }
}
