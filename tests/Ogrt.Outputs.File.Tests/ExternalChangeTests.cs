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
