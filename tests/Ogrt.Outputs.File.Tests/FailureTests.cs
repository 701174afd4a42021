using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.File.Tests;

public sealed class FailureTests : TempDirectoryTest
{
    [Test]
    [NonParallelizable]
    public async Task AWriteThatFailsMidwayLeavesNoPartialLineAndSucceedsOnRetry()
    {
        var output = await OutputUnderTest.StartAsync(Settings(("Rotation", "None")));
        await output.WriteAsync(SampleRecords.Batch(0, 3), CancellationToken.None);
        var path = Path.Combine(OutputPath, "ogrt.jsonl");
        var before = new FileInfo(path).Length;
        var batch = SampleRecords.Batch(3, 10);

        using (new FileSizeLimit(before + 1000))
        {
            var error = Assert.ThrowsAsync<IOException>(() => output.WriteAsync(batch, CancellationToken.None));
            Assert.That(error!.Message, Does.Contain("largest size allowed"));
        }
        Assert.That(new FileInfo(path).Length, Is.EqualTo(before));
        Assert.That(OutputFiles.Pids(path), Is.EqualTo(new[] { 0, 1, 2 }));

        // The pipeline retries the same batch once the disk has room again.
        Assert.That(await output.WriteAsync(batch, CancellationToken.None), Is.SameAs(WriteResult.Delivered));
        await output.DisposeAsync();
        Assert.That(OutputFiles.Pids(path), Is.EqualTo(Enumerable.Range(0, 13)));
    }

    [Test]
    public async Task TextThatIsNotValidUnicodeStillGivesOneValidLine()
    {
        var output = await OutputUnderTest.StartAsync(Settings());
        var record = SampleRecords.Create(5);
        var odd = SampleRecords.Read(new Protocol.ProcessInfo
        {
            Binpath = record.Binpath,
            Pid = 6,
            ParentPid = 1,
            Time = 0,
            Cmdline = "lone surrogate \uD800, newline \n, quote \", NUL \0",
        });

        var result = await output.WriteAsync([record, odd], CancellationToken.None);
        await output.DisposeAsync();

        Assert.That(result.Rejected, Is.Zero);
        Assert.That(OutputFiles.AllPids(OutputPath), Is.EqualTo(new[] { 5, 6 }));
    }

    [Test]
    public async Task EverythingWrittenBeforeDisposeIsInTheFileAndLaterWritesThrow()
    {
        var output = await OutputUnderTest.StartAsync(Settings(("FlushToDisk", "true")));
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var b = 0; b < 50; b++)
                await output.WriteAsync(SampleRecords.Batch(((w * 50) + b) * 4, 4), CancellationToken.None);
        }));
        await Task.WhenAll(writers);

        await output.DisposeAsync();
        await output.DisposeAsync();

        Assert.That(OutputFiles.AllPids(OutputPath), Is.EquivalentTo(Enumerable.Range(0, 800)));
        Assert.ThrowsAsync<ObjectDisposedException>(() => output.WriteAsync(SampleRecords.Batch(0, 1), CancellationToken.None));
    }

    [Test]
    public async Task WritesWorkWithoutStartAsyncBecauseTheFileOpensOnFirstUse()
    {
        var output = OutputUnderTest.Create(Settings());
        Assert.That(Directory.Exists(OutputPath), Is.False);
        // StartAsync failed for a transient reason (the collector logs it and starts anyway);
        // the directory appears later, e.g. when a file system is mounted.
        Directory.CreateDirectory(OutputPath);

        await output.WriteAsync(SampleRecords.Batch(0, 2), CancellationToken.None);
        await output.DisposeAsync();

        Assert.That(OutputFiles.AllPids(OutputPath), Is.EqualTo(new[] { 0, 1 }));
    }

    [Test]
    public async Task ACancelledWriteWritesNothing()
    {
        var output = await OutputUnderTest.StartAsync(Settings());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        Assert.That(() => output.WriteAsync(SampleRecords.Batch(0, 2), cancelled.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(await output.WriteAsync([], CancellationToken.None), Is.SameAs(WriteResult.Delivered));
        await output.DisposeAsync();

        Assert.That(OutputFiles.AllPids(OutputPath), Is.Empty);
    }
}
