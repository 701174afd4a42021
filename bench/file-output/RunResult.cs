namespace Ogrt.Bench.FileOutput;

/// <summary>One measured run: how many records, how long, how many bytes allocated and written.</summary>
internal readonly record struct RunResult(int Records, TimeSpan Elapsed, long AllocatedBytes, long Bytes)
{
    public double RecordsPerSecond => Records / Elapsed.TotalSeconds;
}
