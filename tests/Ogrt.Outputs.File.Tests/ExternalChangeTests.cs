namespace Ogrt.Outputs.File.Tests;

/// <summary>Other processes touching the current file while the output has it open.</summary>
public sealed class ExternalChangeTests : TempDirectoryTest
{
    private string FilePath => Path.Combine(OutputPath, "ogrt.jsonl");

    [Test]
    public async Task AfterLogrotateCopytruncateWritingContinuesAtTheStartWithoutAHole()
    {
        var output = await OutputUnderTest.StartAsync(Settings(("Rotation", "None")));
        await output.WriteAsync(SampleRecords.Batch(0, 3), CancellationToken.None);

        await using (var truncate = new FileStream(FilePath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            truncate.SetLength(0);
        await output.WriteAsync(SampleRecords.Batch(3, 2), CancellationToken.None);
        await output.DisposeAsync();

        Assert.That(System.IO.File.ReadAllBytes(FilePath)[0], Is.EqualTo((byte)'{'));
        Assert.That(OutputFiles.Pids(FilePath), Is.EqualTo(new[] { 3, 4 }));
    }

    [Test]
    public async Task ARemovedDirectoryIsCreatedAgainWithTheNextBatchInANewFile()
    {
        var output = await OutputUnderTest.StartAsync(Settings(("Rotation", "None")));
        await output.WriteAsync(SampleRecords.Batch(0, 3), CancellationToken.None);

        Directory.Delete(OutputPath, recursive: true);
        await output.WriteAsync(SampleRecords.Batch(3, 2), CancellationToken.None);
        await output.DisposeAsync();

        Assert.That(OutputFiles.Pids(FilePath), Is.EqualTo(new[] { 3, 4 }));
    }

    [TestCase("None")]
    [TestCase("Daily")]
    public async Task AFileMovedAwayIsReplacedByANewOneAtItsPath(string rotation)
    {
        var output = await OutputUnderTest.StartAsync(Settings(("Rotation", rotation)));
        await output.WriteAsync(SampleRecords.Batch(0, 3), CancellationToken.None);
        string current = Directory.GetFiles(OutputPath).Single();

        // logrotate's default (create): rename, and the writer must start a new file.
        System.IO.File.Move(current, current + ".1");
        await output.WriteAsync(SampleRecords.Batch(3, 2), CancellationToken.None);
        await output.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(OutputFiles.Pids(current + ".1"), Is.EqualTo(new[] { 0, 1, 2 }));
            Assert.That(OutputFiles.Pids(current), Is.EqualTo(new[] { 3, 4 }));
        });
    }

    [Test]
    public async Task APartialLineAppendedByAnotherProcessIsCutOffBeforeTheNextBatch()
    {
        var output = await OutputUnderTest.StartAsync(Settings(("Rotation", "None")));
        await output.WriteAsync(SampleRecords.Batch(0, 1), CancellationToken.None);

        await using (var other = new FileStream(FilePath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
            await other.WriteAsync("{\"binpath\":\"/bin/tor"u8.ToArray());
        await output.WriteAsync(SampleRecords.Batch(1, 1), CancellationToken.None);
        await output.DisposeAsync();

        Assert.That(OutputFiles.Pids(FilePath), Is.EqualTo(new[] { 0, 1 }));
    }
}
