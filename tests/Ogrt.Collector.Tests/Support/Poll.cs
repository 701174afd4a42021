namespace Ogrt.Collector.Tests.Support;

/// <summary>Waits for a condition by polling, with a generous limit for a slow, shared machine.</summary>
internal static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!condition())
        {
            if (DateTime.UtcNow > limit)
                Assert.Fail($"Timed out waiting until {what}");
            await Task.Delay(20);
        }
    }
}
