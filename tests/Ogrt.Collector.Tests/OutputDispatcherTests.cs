using Ogrt.Collector.Tests.Support;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Tests;

/// <summary>Fan-out to several outputs through a collector host, over real UDP.</summary>
public class OutputDispatcherTests
{
    [Test]
    public async Task A_stuck_output_does_not_hold_back_the_others_and_its_losses_are_counted()
    {
        var outputs = new TestOutputFactory((name, output) =>
        {
            if (name == "Stuck")
                output.Write = async (_, _, cancellationToken) =>
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    return WriteResult.Delivered;
                };
        });
        await using var collector = await InProcessCollector.StartAsync(
        [
            "Collector:ShutdownTimeout=00:00:01",
            "Outputs:Healthy:Type=Test", "Outputs:Healthy:BatchInterval=00:00:00.050",
            "Outputs:Stuck:Type=Test", "Outputs:Stuck:Workers=1", "Outputs:Stuck:BatchSize=1", "Outputs:Stuck:QueueCapacity=10",
        ], outputs);

        await collector.SendAsync(Enumerable.Range(1, 100).Select(TestDatagrams.Encode));

        await Poll.UntilAsync(() => outputs["Healthy"].Delivered.Count == 100, "the healthy output has every record");
        // One record is stuck in the write, ten wait in the queue, the rest overflowed.
        await Poll.UntilAsync(() => collector.Metrics.Sum("ogrt.collector.output.dropped", ("output", "Stuck"), ("reason", "overflow")) == 89,
            "the stuck output's overflow is counted");

        await collector.StopAsync();

        Assert.Multiple(() =>
        {
            Assert.That(collector.Metrics.Sum("ogrt.collector.output.dropped", ("output", "Stuck"), ("reason", "shutdown")), Is.EqualTo(11));
            Assert.That(collector.Metrics.Sum("ogrt.collector.output.dropped", ("output", "Healthy")), Is.Zero);
            Assert.That(collector.Metrics.Sum("ogrt.collector.output.queued", ("output", "Stuck")), Is.EqualTo(100));
            Assert.That(outputs["Stuck"].Disposed && outputs["Healthy"].Disposed, Is.True, "every output is closed on stop");
        });
    }
}
