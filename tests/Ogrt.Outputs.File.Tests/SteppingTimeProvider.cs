namespace Ogrt.Outputs.File.Tests;

/// <summary>
/// A clock that moves forward by <paramref name="step"/> every <paramref name="readsPerStep"/>
/// reads, so time passes with the work done rather than with the (noisy) wall clock.
/// </summary>
internal sealed class SteppingTimeProvider(DateTimeOffset start, TimeSpan step, int readsPerStep) : TimeProvider
{
    private long _reads;

    public long Reads => Interlocked.Read(ref _reads);

    public override DateTimeOffset GetUtcNow()
    {
        var read = Interlocked.Increment(ref _reads) - 1;
        return start + (step * (read / readsPerStep));
    }
}
