using Microsoft.Extensions.Time.Testing;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.File.Tests;

public sealed class RestartTests : TempDirectoryTest
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [TestCase("Daily", "ogrt-2026-11-25.0000.jsonl")]
    [TestCase("Size", "ogrt-2026-11-25.0000.jsonl")]
    [TestCase("None", "ogrt.jsonl")]
    public async Task ARestartAppendsToTheCurrentFile(string rotation, string fileName)
    {
        var clock = new FakeTimeProvider(Noon);
        await RunOnceAsync(Settings(("Rotation", rotation)), clock, firstPid: 0, count: 3);
        clock.SetUtcNow(Noon.AddHours(1));
        await RunOnceAsync(Settings(("Rotation", rotation)), clock, firstPid: 3, count: 2);

        Assert.That(OutputFiles.List(OutputPath), Is.EqualTo(new[] { fileName }));
        Assert.That(OutputFiles.AllPids(OutputPath), Is.EqualTo(Enumerable.Range(0, 5)));
    }

    [Test]
    public async Task ARestartContinuesTheLastFileOfTheDay()
    {
        var clock = new FakeTimeProvider(Noon);
        var settings = Settings(("MaxFileBytes", "1"));
        await RunOnceAsync(settings, clock, firstPid: 0, count: 1);
        await RunOnceAsync(settings, clock, firstPid: 1, count: 1);
        await RunOnceAsync(settings, clock, firstPid: 2, count: 1);

        Assert.That(OutputFiles.List(OutputPath), Is.EqualTo(new[]
        {
            "ogrt-2026-11-25.0000.jsonl", "ogrt-2026-11-25.0001.jsonl", "ogrt-2026-11-25.0002.jsonl",
        }));
        Assert.That(OutputFiles.AllPids(OutputPath), Is.EqualTo(new[] { 0, 1, 2 }));
    }

    [Test]
    public async Task ARestartAfterMidnightStartsTheNewDayWithDailyRotation()
    {
        var clock = new FakeTimeProvider(Noon);
        await RunOnceAsync(Settings(), clock, firstPid: 0, count: 1);
        clock.SetUtcNow(Noon.AddDays(1));
        await RunOnceAsync(Settings(), clock, firstPid: 1, count: 1);

        Assert.That(OutputFiles.List(OutputPath), Is.EqualTo(new[] { "ogrt-2026-11-25.0000.jsonl", "ogrt-2026-11-26.0000.jsonl" }));
    }

    [Test]
    public async Task ATornLastLineFromACrashIsCutOffBeforeAppending()
    {
        var clock = new FakeTimeProvider(Noon);
        await RunOnceAsync(Settings(), clock, firstPid: 0, count: 2);
        var path = Path.Combine(OutputPath, "ogrt-2026-11-25.0000.jsonl");
        var complete = new FileInfo(path).Length;
        // What a collector killed in the middle of a write leaves behind.
        var torn = ProcessRecordJson.ToUtf8Bytes(SampleRecords.Create(99)).AsSpan(0, 700).ToArray();
        await using (var stream = new FileStream(path, FileMode.Append))
            await stream.WriteAsync(torn);

        await RunOnceAsync(Settings(), clock, firstPid: 2, count: 1);

        Assert.That(OutputFiles.AllPids(OutputPath), Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(new FileInfo(path).Length, Is.GreaterThan(complete));
    }

    [Test]
    public async Task AFileWithoutAnyCompleteLineIsEmptiedBeforeAppending()
    {
        Directory.CreateDirectory(OutputPath);
        var path = Path.Combine(OutputPath, "ogrt.jsonl");
        await System.IO.File.WriteAllBytesAsync(path, new byte[200_000]);

        await RunOnceAsync(Settings(("Rotation", "None")), TimeProvider.System, firstPid: 7, count: 1);

        Assert.That(OutputFiles.Pids(path), Is.EqualTo(new[] { 7 }));
    }

    [Test]
    public async Task FilesAreReadableByTheGroupOnly()
    {
        await RunOnceAsync(Settings(), TimeProvider.System, firstPid: 0, count: 1);

        var expected = (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead) & ~ProcessUmask();
        var file = Path.Combine(OutputPath, OutputFiles.List(OutputPath).Single());
        Assert.That(System.IO.File.GetUnixFileMode(file), Is.EqualTo(expected));
        Assert.That(System.IO.File.GetUnixFileMode(OutputPath) & (UnixFileMode)0b111_111_111,
            Is.EqualTo((UnixFileMode)0b111_101_000 & ~ProcessUmask()));
    }

    private static async Task RunOnceAsync(Dictionary<string, string?> settings, TimeProvider clock, int firstPid, int count)
    {
        var output = await OutputUnderTest.StartAsync(settings, clock);
        var result = await output.WriteAsync(SampleRecords.Batch(firstPid, count), CancellationToken.None);
        Assert.That(result, Is.SameAs(WriteResult.Delivered));
        await output.DisposeAsync();
    }

    private static UnixFileMode ProcessUmask()
    {
        var line = System.IO.File.ReadLines("/proc/self/status").Single(l => l.StartsWith("Umask:", StringComparison.Ordinal));
        return (UnixFileMode)Convert.ToInt32(line["Umask:".Length..].Trim(), 8);
    }
}
