using Ogrt.Collector.Dispatching;

namespace Ogrt.Collector.Tests;

public class ExponentialBackoffTests
{
    [Test]
    public void Delays_double_per_attempt_within_half_to_full_of_the_nominal_delay_up_to_the_cap()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), new Random(1));

        for (int round = 0; round < 200; round++)
        {
            for (int attempt = 1; attempt <= 12; attempt++)
            {
                double nominal = Math.Min(5000, 100 * Math.Pow(2, attempt - 1));
                double delay = backoff.DelayBefore(attempt).TotalMilliseconds;
                Assert.That(delay, Is.InRange(nominal / 2, nominal), $"attempt {attempt}");
            }
        }
    }

    [Test]
    public void Jitter_spreads_the_delays()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), new Random(2));

        var delays = Enumerable.Range(0, 50).Select(_ => backoff.DelayBefore(1)).Distinct().Count();

        Assert.That(delays, Is.GreaterThan(40));
    }

    [Test]
    public void A_huge_attempt_number_stays_at_the_cap()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

        var delay = backoff.DelayBefore(int.MaxValue);

        Assert.That(delay, Is.InRange(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30)));
    }
}
