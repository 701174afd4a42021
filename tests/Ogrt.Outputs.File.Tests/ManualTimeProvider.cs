namespace Ogrt.Outputs.File.Tests;

/// <summary>A clock the test sets by hand, to drive daily rotation across midnight.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _utcTicks = start.UtcTicks;

    public DateTimeOffset UtcNow
    {
        get => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _utcTicks, value.UtcTicks);
    }

    public override DateTimeOffset GetUtcNow() => UtcNow;
}
