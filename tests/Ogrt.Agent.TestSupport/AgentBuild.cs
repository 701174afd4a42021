namespace Ogrt.Agent.Tests.Infrastructure;

/// <summary>
/// The published agent (libogrt.so + ogrt-capture.so), built once per test run.
/// If OGRT_AGENT_DIR is set (CI builds the agent once), that directory is used as is;
/// otherwise the first use runs
/// <c>dotnet publish Ogrt.Agent/Ogrt.Agent.csproj -c Release -o SCRATCH</c>.
/// Usage: <c>string preload = await AgentBuild.GetGateLibraryAsync();</c>
/// </summary>
public static class AgentBuild
{
    private static readonly Lazy<Task<string>> Published = new(PublishAsync);
    private static readonly Lazy<Task<string>> PublishedService = new(PublishServiceAsync);

    /// <summary>Directory holding libogrt.so, ogrt-capture.so and site-filter.rules.</summary>
    public static Task<string> GetDirectoryAsync() => Published.Value;

    /// <summary>Full path of libogrt.so, the file LD_PRELOAD names.</summary>
    public static async Task<string> GetGateLibraryAsync() =>
        Path.Combine(await GetDirectoryAsync().ConfigureAwait(false), "libogrt.so");

    /// <summary>
    /// The node capture service executable: OGRT_INSTALL_DIR/sbin/ogrt-agent-service when CI built
    /// the tree, else published once into the scratch directory.
    /// </summary>
    public static Task<string> GetServiceExecutableAsync() => PublishedService.Value;

    /// <summary>The repository root (the directory holding Ogrt.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static async Task<string> PublishAsync()
    {
        string? prebuilt = Environment.GetEnvironmentVariable("OGRT_AGENT_DIR");
        string directory = string.IsNullOrEmpty(prebuilt) ? TestScratch.CreateDirectory("agent") : Path.GetFullPath(prebuilt);
        if (string.IsNullOrEmpty(prebuilt))
        {
            string project = Path.Combine(RepositoryRoot, "Ogrt.Agent", "Ogrt.Agent.csproj");
            ProcessResult publish = await ExternalCommand.RunAsync(
                "dotnet",
                ["publish", project, "-c", "Release", "-o", directory, "-nologo"],
                timeout: TimeSpan.FromMinutes(15)).ConfigureAwait(false);
            if (publish.ExitCode != 0)
                throw new InvalidOperationException($"publishing the agent failed:\n{publish}");
        }
        foreach (string file in new[] { "libogrt.so", "ogrt-capture.so" })
        {
            if (!File.Exists(Path.Combine(directory, file)))
                throw new FileNotFoundException($"the agent directory {directory} has no {file}", file);
        }
        return directory;
    }

    private static async Task<string> PublishServiceAsync()
    {
        string? installed = Environment.GetEnvironmentVariable("OGRT_INSTALL_DIR");
        if (!string.IsNullOrEmpty(installed))
            return Path.Combine(Path.GetFullPath(installed), "sbin", "ogrt-agent-service");
        string directory = TestScratch.CreateDirectory("service");
        string project = Path.Combine(RepositoryRoot, "Ogrt.Agent.Service", "Ogrt.Agent.Service.csproj");
        ProcessResult publish = await ExternalCommand.RunAsync(
            "dotnet", ["publish", project, "-c", "Release", "-o", directory, "-nologo"],
            timeout: TimeSpan.FromMinutes(15)).ConfigureAwait(false);
        if (publish.ExitCode != 0)
            throw new InvalidOperationException($"publishing the capture service failed:\n{publish}");
        return Path.Combine(directory, "ogrt-agent-service");
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Ogrt.sln")))
                return directory.FullName;
        }
        throw new DirectoryNotFoundException($"no Ogrt.sln above {AppContext.BaseDirectory}");
    }
}
