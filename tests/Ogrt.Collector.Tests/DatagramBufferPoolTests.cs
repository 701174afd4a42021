using Ogrt.Collector.Receiving;

namespace Ogrt.Collector.Tests;

public class DatagramBufferPoolTests
{
    [TestCase(0, 1024)]
    [TestCase(1, 1024)]
    [TestCase(1024, 1024)]
    [TestCase(5540, 6144)]
    [TestCase(16 * 1024, 16 * 1024)]
    [TestCase(16 * 1024 + 1, 16 * 1024 + 1)]
    [TestCase(65_507, 65_507)]
    public void A_datagram_gets_a_buffer_of_its_size_rounded_up_to_a_KiB(int length, int expected)
    {
        var pool = new DatagramBufferPool();

        Assert.Multiple(() =>
        {
            Assert.That(DatagramBufferPool.BufferSize(length), Is.EqualTo(expected));
            Assert.That(pool.Rent(length), Has.Length.EqualTo(expected));
        });
    }

    [Test]
    public void A_returned_buffer_is_rented_again_for_a_datagram_of_its_size_class()
    {
        var pool = new DatagramBufferPool();
        var buffer = pool.Rent(5540);

        pool.Return(buffer);

        Assert.Multiple(() =>
        {
            Assert.That(pool.RetainedBytes, Is.EqualTo(6144));
            Assert.That(pool.Rent(5200), Is.SameAs(buffer), "5,200 bytes also take 6 KiB");
            Assert.That(pool.RetainedBytes, Is.Zero);
            Assert.That(pool.Rent(5540), Is.Not.SameAs(buffer), "the buffer is out again");
        });
    }

    [Test]
    public void Idle_buffers_are_kept_up_to_the_retained_limit_and_oversized_ones_never()
    {
        var pool = new DatagramBufferPool();
        var buffers = Enumerable.Range(0, (int)(DatagramBufferPool.MaxRetainedBytes / 8192) + 100).Select(_ => pool.Rent(8192)).ToList();
        var oversized = pool.Rent(40_000);

        foreach (var buffer in buffers)
            pool.Return(buffer);
        pool.Return(oversized);

        Assert.Multiple(() =>
        {
            Assert.That(pool.RetainedBytes, Is.EqualTo(DatagramBufferPool.MaxRetainedBytes));
            Assert.That(pool.Rent(40_000), Is.Not.SameAs(oversized));
        });
    }
}
