namespace Ogrt.Outputs.File.Tests;

/// <summary>Gives each test its own empty directory under the temp directory, removed afterwards.</summary>
public abstract class TempDirectoryTest
{
    protected string TempDirectory { get; private set; } = "";

    /// <summary>The directory the output under test writes to (created by the output itself).</summary>
    protected string OutputPath => Path.Combine(TempDirectory, "out");

    [SetUp]
    public void CreateTempDirectory() =>
        TempDirectory = Directory.CreateTempSubdirectory("ogrt-file-output-").FullName;

    [TearDown]
    public void DeleteTempDirectory()
    {
        if (Directory.Exists(TempDirectory))
            Directory.Delete(TempDirectory, recursive: true);
    }

    /// <summary>The plugin's settings as the collector hands them over: without the pipeline's keys (Type, Workers…).</summary>
    protected Dictionary<string, string?> Settings(params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["Path"] = OutputPath };
        foreach (var (key, value) in more)
            settings[key] = value;
        return settings;
    }
}
