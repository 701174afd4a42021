using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.File.Tests;

public sealed class ConfigurationTests : TempDirectoryTest
{
    [TestCase(null)]
    [TestCase("")]
    [TestCase("   ")]
    public void AMissingPathIsRejectedNamingTheKey(string? path)
    {
        var settings = Settings(("Path", path));
        var error = Assert.Throws<OutputConfigurationException>(() => OutputUnderTest.Create(settings));
        Assert.That(error.Key, Is.EqualTo("Outputs:Files:Path"));
        Assert.That(error.Message, Does.StartWith("Outputs:Files:Path: "));
    }

    [Test]
    public void APathThatIsAFileIsRejectedAtStartNamingTheKey()
    {
        var file = Path.Combine(TempDirectory, "a-file");
        System.IO.File.WriteAllText(file, "");

        var error = StartFails(Settings(("Path", file)));

        Assert.That(error.Key, Is.EqualTo("Outputs:Files:Path"));
        Assert.That(error.Message, Does.Contain(file).And.Contain("is a file"));
    }

    [Test]
    public void APathBelowAFileIsRejectedAtStartNamingTheKey()
    {
        var file = Path.Combine(TempDirectory, "a-file");
        System.IO.File.WriteAllText(file, "");

        var error = StartFails(Settings(("Path", Path.Combine(file, "logs"))));

        Assert.That(error.Key, Is.EqualTo("Outputs:Files:Path"));
        Assert.That(error.Message, Does.Contain("cannot create the directory"));
    }

    [Test]
    public void ADirectoryThatIsNotWritableIsRejectedAtStartNamingTheKey()
    {
        Directory.CreateDirectory(OutputPath);
        using var readOnly = DirectoryWriteProtection.Apply(OutputPath);

        var error = StartFails(Settings());

        Assert.That(error.Key, Is.EqualTo("Outputs:Files:Path"));
        Assert.That(error.Message, Does.Contain("not writable"));
    }

    [Test]
    public async Task AMissingDirectoryIsCreatedAndARelativePathIsResolvedAgainstTheContentRoot()
    {
        var settings = Settings(("Path", "deep/er/logs"));
        var output = new FileOutputFactory().Create(OutputUnderTest.Context(settings, contentRoot: TempDirectory));
        await output.StartAsync(CancellationToken.None);
        await output.WriteAsync(SampleRecords.Batch(0, 1), CancellationToken.None);
        await output.DisposeAsync();

        Assert.That(OutputFiles.AllPids(Path.Combine(TempDirectory, "deep", "er", "logs")), Is.EqualTo(new[] { 0 }));
    }

    [TestCase("Rotation", "Weekly")]
    [TestCase("Rotation", "1")]
    [TestCase("MaxFileBytes", "-5")]
    [TestCase("MaxFileBytes", "1.5")]
    [TestCase("MaxFileBytes", "10MB")]
    [TestCase("RetainFiles", "many")]
    [TestCase("RetainFiles", "9999999999")]
    [TestCase("FileName", "")]
    [TestCase("FileName", "logs/ogrt")]
    [TestCase("FileName", "..")]
    [TestCase("FlushToDisk", "yes")]
    [TestCase("PageCacheWindow", "-1")]
    [TestCase("PageCacheWindow", "64MiB")]
    public void AnInvalidSettingIsRejectedNamingItsKey(string setting, string value)
    {
        var error = Assert.Throws<OutputConfigurationException>(() => OutputUnderTest.Create(Settings((setting, value))));
        Assert.That(error.Key, Is.EqualTo($"Outputs:Files:{setting}"));
        Assert.That(error.Message, Does.StartWith($"Outputs:Files:{setting}: "));
    }

    [TestCase("Size", "0", "MaxFileBytes")]
    [TestCase("None", "1000", "MaxFileBytes")]
    public void ASizeCapThatContradictsTheRotationIsRejected(string rotation, string maxFileBytes, string key)
    {
        var error = Assert.Throws<OutputConfigurationException>(
            () => OutputUnderTest.Create(Settings(("Rotation", rotation), ("MaxFileBytes", maxFileBytes))));
        Assert.That(error.Key, Is.EqualTo($"Outputs:Files:{key}"));
    }

    [Test]
    public void RetainFilesWithoutRotationIsRejected()
    {
        var error = Assert.Throws<OutputConfigurationException>(
            () => OutputUnderTest.Create(Settings(("Rotation", "None"), ("RetainFiles", "3"))));
        Assert.That(error.Key, Is.EqualTo("Outputs:Files:RetainFiles"));
    }

    [Test]
    public void SettingsAreCaseInsensitiveWhereAnOperatorWouldExpectIt()
    {
        Assert.That(() => OutputUnderTest.Create(Settings(("Rotation", " size "), ("FlushToDisk", "TRUE"), ("RetainFiles", "0"))), Throws.Nothing);
    }

    [Test]
    public async Task TwoOutputsCannotWriteTheSameFiles()
    {
        var first = OutputUnderTest.Create(Settings());
        var context = OutputUnderTest.Context(Settings());
        var second = new OutputContext
        {
            Name = "Other",
            Configuration = context.Configuration,
            Logger = context.Logger,
            Meter = context.Meter,
            MetricTags = context.MetricTags,
            StateDirectory = context.StateDirectory,
            ContentRoot = context.ContentRoot,
        };

        var error = Assert.Throws<OutputConfigurationException>(() => new FileOutputFactory().Create(second));
        Assert.That(error.Key, Is.EqualTo("Outputs:Files:Path"));
        Assert.That(error.Message, Does.Contain($"'{OutputUnderTest.Name}' already writes 'ogrt' files"));

        // Another prefix in the same directory is fine, and so is the same one once the first is gone.
        await using (OutputUnderTest.Create(Settings(("FileName", "other"))))
        {
        }
        await first.DisposeAsync();
        await using (OutputUnderTest.Create(Settings()))
        {
        }
    }

    [Test]
    public void TheFactoryAnswersToTypeFile()
    {
        Assert.That(new FileOutputFactory().Type, Is.EqualTo("File"));
    }

    private static OutputConfigurationException StartFails(Dictionary<string, string?> settings)
    {
        var output = OutputUnderTest.Create(settings);
        return Assert.ThrowsAsync<OutputConfigurationException>(() => output.StartAsync(CancellationToken.None))!;
    }
}
