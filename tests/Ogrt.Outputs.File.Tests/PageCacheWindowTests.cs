using System.Diagnostics;
using System.Globalization;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.File.Tests;

/// <summary>
/// The File output keeps only the newest PageCacheWindow bytes of its file in the page cache.
/// Residency is read back with util-linux's fincore (mincore(2)) from a file on the temp
/// directory's file system: a disk file system on the CI machines (tmpfs pages cannot be dropped).
/// </summary>
public class PageCacheWindowTests : TempDirectoryTest
{
    private const long Window = 4L << 20;

    [Test]
    public async Task Only_the_newest_window_of_a_file_stays_in_the_page_cache()
    {
        // 30 windows: a drop that missed part of each range (e.g. a large folio across its
        // edge) would leave far more than the window behind.
        var (file, records) = await WriteAsync(Window.ToString(CultureInfo.InvariantCulture), 120L << 20);
        SkipOnTmpfs(file);

        var resident = ResidentBytes(file);
        var length = new FileInfo(file).Length;
        // The window, plus up to two quarter-window steps not yet dropped.
        Assert.That(resident, Is.LessThanOrEqualTo(Window + 2 * (Window / 4)).And.GreaterThanOrEqualTo(Window / 2),
            $"{resident} of {length} bytes resident");
        var lines = System.IO.File.ReadAllLines(file);
        Assert.That(lines.Length, Is.EqualTo(records), "what was dropped from the cache is still in the file");
        Assert.That(lines[^1], Does.StartWith("{\"binpath\":").And.Contain("\"pid\":100,"));
    }

    [Test]
    public async Task A_window_of_0_leaves_caching_to_the_kernel()
    {
        var (file, _) = await WriteAsync("0", 24L << 20);
        SkipOnTmpfs(file);

        Assert.That(ResidentBytes(file), Is.GreaterThan(20L << 20));
    }

    [Test]
    public async Task After_copytruncate_the_window_follows_the_file_from_its_new_start()
    {
        await using var output = await OutputUnderTest.StartAsync(Settings(("Rotation", "None"), ("PageCacheWindow", Window.ToString(CultureInfo.InvariantCulture))));
        var file = Path.Combine(OutputPath, "ogrt.jsonl");
        SkipOnTmpfs(file);
        await WriteBatchesAsync(output, 24L << 20, file);
        new FileStream(file, FileMode.Truncate, FileAccess.Write).Dispose(); // in place, as logrotate's copytruncate does

        await WriteBatchesAsync(output, 24L << 20, file);

        Assert.That(ResidentBytes(file), Is.LessThanOrEqualTo(Window + 2 * (Window / 4)));
    }

    private async Task<(string File, int Records)> WriteAsync(string window, long bytes)
    {
        await using var output = await OutputUnderTest.StartAsync(Settings(("Rotation", "None"), ("PageCacheWindow", window)));
        var file = Path.Combine(OutputPath, "ogrt.jsonl");
        return (file, await WriteBatchesAsync(output, bytes, file));
    }

    /// <summary>Writes batches until the file grew by <paramref name="bytes"/>; returns the records written.</summary>
    private static async Task<int> WriteBatchesAsync(IOutput output, long bytes, string file)
    {
        var batch = SampleRecords.Batch(1, 100);
        var start = new FileInfo(file).Length;
        var records = 0;
        while (new FileInfo(file).Length - start < bytes)
        {
            Assert.That(await output.WriteAsync(batch, CancellationToken.None), Is.EqualTo(WriteResult.Delivered));
            records += batch.Length;
        }
        return records;
    }

    private static void SkipOnTmpfs(string file)
    {
        var fileSystem = Run("stat", "--file-system", "--format=%T", file);
        if (fileSystem == "tmpfs")
            Assert.Ignore($"{Path.GetDirectoryName(file)} is on tmpfs, whose pages are never dropped.");
    }

    private static long ResidentBytes(string file) =>
        long.Parse(Run("fincore", "--bytes", "--noheadings", "--output", "RES", file), CultureInfo.InvariantCulture);

    private static string Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"{program} {string.Join(' ', arguments)}");
        return output;
    }
}
