using Ogrt.Agent.Tests.Infrastructure;

namespace Ogrt.Deployment.Tests;

/// <summary>
/// Installs OGRT.NET once for all deployment tests: packaging/install.sh copies a built tree
/// ($OGRT_INSTALL_DIR, or one built here with build.sh) into a temporary prefix whose site.conf
/// points the agents at <see cref="Listener"/>.
/// </summary>
[SetUpFixture]
public sealed class InstalledTree
{
    private static string? scratch;
    private static ProcessInfoListener? listener;
    private static string? builtTree;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string InstallScript => Path.Combine(RepositoryRoot, "packaging/install.sh");

    /// <summary>The tree build.sh produced, as install.sh --from takes it.</summary>
    public static string BuiltTree => builtTree ?? throw new InvalidOperationException("not set up");

    /// <summary>The prefix install.sh installed into.</summary>
    public static string Prefix => Path.Combine(Scratch, "prefix");

    public static string Modulefiles => Path.Combine(Prefix, "share/ogrt/modulefiles");

    public static ProcessInfoListener Listener => listener ?? throw new InvalidOperationException("not set up");

    private static string Scratch => scratch ?? throw new InvalidOperationException("not set up");

    [OneTimeSetUp]
    public void Install()
    {
        scratch = Directory.CreateTempSubdirectory("ogrt-deployment-").FullName;
        builtTree = Environment.GetEnvironmentVariable("OGRT_INSTALL_DIR") is { Length: > 0 } prebuilt ? prebuilt : Build();
        listener = new ProcessInfoListener();
        var result = RunInstall("--from", BuiltTree, "--prefix", Prefix, "--no-systemd", "--collector", Listener.CollectorAddress);
        Assert.That(result.ExitCode, Is.Zero, $"install.sh failed: {result}");
    }

    [OneTimeTearDown]
    public void Remove()
    {
        listener?.Dispose();
        if (scratch is not null)
            Directory.Delete(scratch, recursive: true);
    }

    /// <summary>A new empty directory under the shared temporary directory (removed at the end).</summary>
    public static string NewDirectory(string name)
    {
        string path = Path.Combine(Scratch, $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A path under the shared temporary directory that does not exist yet.</summary>
    public static string NewPath(string name) => Path.Combine(Scratch, $"{name}-{Guid.NewGuid():N}");

    public static ShellResult RunInstall(params string[] arguments) =>
        BashScript.Run(string.Join(' ', new[] { InstallScript }.Concat(arguments).Select(BashScript.Quote)), timeout: TimeSpan.FromMinutes(10));

    private static string Build()
    {
        string tree = Path.Combine(Scratch, "built");
        TestContext.Progress.WriteLine($"OGRT_INSTALL_DIR is not set: building a tree into {tree} (a few minutes)");
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        string? dotnetRoot = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (dotnetRoot is not null)
            environment["DOTNET_ROOT"] = dotnetRoot;
        var result = BashScript.Run($"{BashScript.Quote(Path.Combine(RepositoryRoot, "build.sh"))} build {BashScript.Quote(tree)}",
            environment, TimeSpan.FromMinutes(30));
        Assert.That(result.ExitCode, Is.Zero, $"build.sh build failed: {result}");
        return tree;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "packaging/install.sh")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"no packaging/install.sh above {AppContext.BaseDirectory}");
    }
}
