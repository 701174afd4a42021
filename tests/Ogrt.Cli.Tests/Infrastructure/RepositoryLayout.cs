namespace Ogrt.Cli.Tests.Infrastructure;

/// <summary>Paths in the repository and in the test's build output.</summary>
public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    public static string CliProject => Path.Join(Root, "Ogrt.Cli", "Ogrt.Cli.csproj");

    /// <summary>The JIT build of the CLI, copied next to the tests by the project reference.</summary>
    public static string CliAssembly => Path.Join(TestContext.CurrentContext.TestDirectory, "ogrt.dll");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Join(directory.FullName, "Directory.Packages.props")))
                return directory.FullName;
        }
        throw new InvalidOperationException("repository root (Directory.Packages.props) not found above the test directory");
    }
}
