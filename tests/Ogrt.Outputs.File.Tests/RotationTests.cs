using Microsoft.Extensions.Time.Testing;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.File.Tests;

public sealed class RotationTests : TempDirectoryTest
{
    private static readonly DateTimeOffset BeforeMidnight = new(2026, 11, 25, 23, 59, 59, TimeSpan.Zero);

    [Test]
    public async Task DailyRotationStartsANewFileAtUtcMidnight()
    {
        var clock = new FakeTimeProvider(BeforeMidnight);
        var output = await OutputUnderTest.StartAsync(Settings(), clock);

        await WriteAsync(output, 0, 3);
        clock.SetUtcNow(BeforeMidnight.AddSeconds(2));
        await WriteAsync(output, 3, 2);
        await output.DisposeAsync();

        Assert.That(OutputFiles.List(OutputPath), Is.EqualTo(new[] { "ogrt-2026-11-25.0000.jsonl", "ogrt-2026-11-26.0000.jsonl" }));
        Assert.That(OutputFiles.Pids(Path.Combine(OutputPath, "ogrt-2026-11-25.0000.jsonl")), Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(OutputFiles.Pids(Path.Combine(OutputPath, "ogrt-2026-11-26.0000.jsonl")), Is.EqualTo(new[] { 3, 4 }));
    }

    [Test]
    public async Task DailyRotationUsesUtcNotLocalTime()
    {
        // 23:30 in UTC-05:00 is already the next day in UTC.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 23, 30, 0, TimeSpan.FromHours(-5)));
        var output = await OutputUnderTest.StartAsync(Settings(("FileName", "jobs")), clock);
        await WriteAsync(output, 0, 1);
        await output.DisposeAsync();

        Assert.That(OutputFiles.List(OutputPath), Is.EqualTo(new[] { "jobs-2026-11-26.0000.jsonl" }));
    }

    [Test]
    public async Task SizeRotationKeepsFilesUnderTheCapAndNamesSortInWriteOrder()
    {
        var lineLength = ProcessRecordJson.ToUtf8Bytes(SampleRecords.Create(0)).Length + 1;
        var clock = new FakeTimeProvider(BeforeMidnight);
        var output = await OutputUnderTest.StartAsync(Settings(("Rotation", "Size"), ("MaxFileBytes", (3 * lineLength + 10).ToString())), clock);

        // Size rotation ignores midnight: the file started on the 25th fills up on the 26th.
        for (var pid = 0; pid < 14; pid++)
        {
            if (pid == 2)
                clock.SetUtcNow(BeforeMidnight.AddHours(1));
            await WriteAsync(output, pid, 1);
        }
        await output.DisposeAsync();

        Assert.That(OutputFiles.List(OutputPath), Is.EqualTo(new[]
        {
            "ogrt-2026-11-25.0000.jsonl",
            "ogrt-2026-11-26.0000.jsonl",
            "ogrt-2026-11-26.0001.jsonl",
            "ogrt-2026-11-26.0002.jsonl",
            "ogrt-2026-11-26.0003.jsonl",
        }));
        Assert.That(OutputFiles.AllPids(OutputPath), Is.EqualTo(Enumerable.Range(0, 14)));
        Assert.That(OutputFiles.Pids(Path.Combine(OutputPath, "ogrt-2026-11-26.0003.jsonl")), Is.EqualTo(new[] { 12, 13 }));
    }

    [Test]
    public async Task MaxFileBytesCapsADailyFileWithinTheDay()
    {
        var lineLength = ProcessRecordJson.ToUtf8Bytes(SampleRecords.Create(0)).Length + 1;
        var clock = new FakeTimeProvider(BeforeMidnight.AddHours(-12));
        var output = await OutputUnderTest.StartAsync(Settings(("MaxFileBytes", (2 * lineLength).ToString())), clock);

        for (var pid = 0; pid < 5; pid++)
            await WriteAsync(output, pid, 1);
        clock.SetUtcNow(BeforeMidnight.AddHours(1));
        await WriteAsync(output, 5, 1);
        await output.DisposeAsync();

        Assert.That(OutputFiles.List(OutputPath), Is.EqualTo(new[]
        {
            "ogrt-2026-11-25.0000.jsonl",
            "ogrt-2026-11-25.0001.jsonl",
            "ogrt-2026-11-25.0002.jsonl",
            "ogrt-2026-11-26.0000.jsonl",
        }));
        Assert.That(OutputFiles.AllPids(OutputPath), Is.EqualTo(Enumerable.Range(0, 6)));
    }

    [Test]
    public async Task ABatchLargerThanTheCapGoesWholeIntoAFileOfItsOwn()
    {
        var output = await OutputUnderTest.StartAsync(Settings(("Rotation", "Size"), ("MaxFileBytes", "4096")));
        await WriteAsync(output, 0, 1);
        await WriteAsync(output, 1, 10);
        await WriteAsync(output, 11, 1);
        await output.DisposeAsync();

        var files = OutputFiles.List(OutputPath);
        Assert.That(files.Select(f => OutputFiles.Pids(Path.Combine(OutputPath, f)).Count), Is.EqualTo(new[] { 1, 10, 1 }));
    }

    [Test]
    public async Task RotationNoneWritesOneFile()
    {
        var clock = new FakeTimeProvider(BeforeMidnight);
        var output = await OutputUnderTest.StartAsync(Settings(("Rotation", "None")), clock);
        await WriteAsync(output, 0, 2);
        clock.SetUtcNow(BeforeMidnight.AddDays(3));
        await WriteAsync(output, 2, 2);
        await output.DisposeAsync();

        Assert.That(OutputFiles.List(OutputPath), Is.EqualTo(new[] { "ogrt.jsonl" }));
        Assert.That(OutputFiles.AllPids(OutputPath), Is.EqualTo(Enumerable.Range(0, 4)));
    }

    [Test]
    public async Task RetainFilesDeletesTheOldestOfItsOwnFilesOnly()
    {
        Directory.CreateDirectory(OutputPath);
        string[] foreign = ["notes.txt", "other-2026-11-01.0000.jsonl", "ogrt-latest.jsonl", "ogrt-2026-11-01.0000.jsonl.gz"];
        foreach (var name in foreign)
            await System.IO.File.WriteAllTextAsync(Path.Combine(OutputPath, name), "keep me\n");

        var output = await OutputUnderTest.StartAsync(Settings(("Rotation", "Size"), ("MaxFileBytes", "1"), ("RetainFiles", "3")));
        for (var pid = 0; pid < 10; pid++)
            await WriteAsync(output, pid, 1);
        await output.DisposeAsync();

        var ours = OutputFiles.List(OutputPath).Where(n => n.StartsWith("ogrt-2", StringComparison.Ordinal)).ToArray();
        Assert.That(ours, Has.Length.EqualTo(3));
        Assert.That(ours.SelectMany(f => OutputFiles.Pids(Path.Combine(OutputPath, f))), Is.EqualTo(new[] { 7, 8, 9 }));
        foreach (var name in foreign)
            Assert.That(Path.Combine(OutputPath, name), Does.Exist);
    }

    [Test]
    public async Task RetainFilesAppliesAtStartToFilesOfEarlierRuns()
    {
        Directory.CreateDirectory(OutputPath);
        for (var day = 1; day <= 5; day++)
            await System.IO.File.WriteAllTextAsync(Path.Combine(OutputPath, $"ogrt-2026-11-{day:D2}.0000.jsonl"), "");

        var clock = new FakeTimeProvider(BeforeMidnight);
        var output = await OutputUnderTest.StartAsync(Settings(("RetainFiles", "2")), clock);
        await output.DisposeAsync();

        Assert.That(OutputFiles.List(OutputPath), Is.EqualTo(new[] { "ogrt-2026-11-05.0000.jsonl", "ogrt-2026-11-25.0000.jsonl" }));
    }

    private static async Task WriteAsync(IOutput output, int firstPid, int count)
    {
        var result = await output.WriteAsync(SampleRecords.Batch(firstPid, count), CancellationToken.None);
        Assert.That(result, Is.SameAs(WriteResult.Delivered));
    }
}
