using Microsoft.Extensions.Time.Testing;
using Ogrt.Collector.Diagnostics;

namespace Ogrt.Collector.Tests;

public class WarningThrottleTests
{
    [Test]
    public void One_warning_per_interval_with_the_count_held_back_since_the_last()
    {
        var clock = new FakeTimeProvider();
        var throttle = new WarningThrottle(clock, TimeSpan.FromSeconds(10));

        Assert.That(throttle.ShouldLog(out long suppressed), Is.True);
        Assert.That(suppressed, Is.Zero);
        for (int i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            Assert.That(throttle.ShouldLog(out _), Is.False);
        }
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.That(throttle.ShouldLog(out suppressed), Is.True);
        Assert.That(suppressed, Is.EqualTo(5));
    }
}
