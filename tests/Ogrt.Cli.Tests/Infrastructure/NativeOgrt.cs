namespace Ogrt.Cli.Tests.Infrastructure;

/// <summary>
/// The NativeAOT `ogrt` binary, published once per test run into a temporary directory. The
/// linker wrapper needs it: the wrapper is the binary itself, installed under a linker's name.
/// If OGRT_CLI_DIR is set (CI publishes once, e.g. PREFIX/bin), the `ogrt` there is used as is.
/// </summary>
public static class NativeOgrt
{
    private static readonly Lazy<string> Published = new(Publish, LazyThreadSafetyMode.ExecutionAndPublication);
    private static string? _outputDirectory;

    public static string Path => Published.Value;

    /// <summary>A directory holding `ld`, `ld.bfd` and `ld.gold` symlinks to the binary, as installed in PREFIX/libexec/ogrt.</summary>
    public static string CreateWrapperDirectory(string parent, bool copyInsteadOfLink = false)
    {
        string directory = System.IO.Path.Join(parent, copyInsteadOfLink ? "wrapper-copy" : "wrapper");
        Directory.CreateDirectory(directory);
        foreach (string name in new[] { "ld", "ld.bfd", "ld.gold" })
        {
            string link = System.IO.Path.Join(directory, name);
            if (copyInsteadOfLink)
                File.Copy(Path, link);
            else
                File.CreateSymbolicLink(link, Path);
        }
        return directory;
    }

    /// <summary>Removes the published binary (called once when the test run ends).</summary>
    public static void Delete()
    {
        if (_outputDirectory is not null && Directory.Exists(_outputDirectory))
            Directory.Delete(_outputDirectory, recursive: true);
    }

    private static string Publish()
    {
        string? prebuilt = Environment.GetEnvironmentVariable("OGRT_CLI_DIR");
        if (!string.IsNullOrEmpty(prebuilt))
        {
            string existing = System.IO.Path.GetFullPath(System.IO.Path.Join(prebuilt, "ogrt"));
            Assert.That(File.Exists(existing), $"OGRT_CLI_DIR={prebuilt} has no ogrt binary");
            return existing;
        }

        _outputDirectory = Directory.CreateTempSubdirectory("ogrt-cli-native-").FullName;
        TestContext.Progress.WriteLine($"publishing NativeAOT ogrt into {_outputDirectory} ...");
        var result = ExternalProcess.Run("dotnet",
            ["publish", RepositoryLayout.CliProject, "-c", "Release", "-r", "linux-x64", "-o", _outputDirectory, "-nologo"]);
        Assert.That(result.ExitCode, Is.Zero, $"dotnet publish failed:\n{result}");
        string binary = System.IO.Path.Join(_outputDirectory, "ogrt");
        Assert.That(File.Exists(binary), $"dotnet publish did not produce {binary}");
        return binary;
    }
}
