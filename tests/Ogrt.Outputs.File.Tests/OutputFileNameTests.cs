namespace Ogrt.Outputs.File.Tests;

public sealed class OutputFileNameTests
{
    [Test]
    public void FormatsAFixedWidthSortableName()
    {
        Assert.That(new OutputFileName(new DateOnly(2026, 1, 5), 7).Format("ogrt"), Is.EqualTo("ogrt-2026-01-05.0007.jsonl"));
    }

    [TestCase("ogrt-2026-11-25.0000.jsonl", 2026, 11, 25, 0)]
    [TestCase("ogrt-2026-11-25.0042.jsonl", 2026, 11, 25, 42)]
    [TestCase("ogrt-2026-11-25.12345.jsonl", 2026, 11, 25, 12345)]
    public void ParsesItsOwnNames(string fileName, int year, int month, int day, int sequence)
    {
        Assert.That(OutputFileName.TryParse("ogrt", fileName, out var name), Is.True);
        Assert.That(name, Is.EqualTo(new OutputFileName(new DateOnly(year, month, day), sequence)));
    }

    [TestCase("ogrt.jsonl")]
    [TestCase("ogrt-2026-11-25.jsonl")]
    [TestCase("ogrt-2026-11-25.000.jsonl")]
    [TestCase("ogrt-2026-13-25.0000.jsonl")]
    [TestCase("ogrt-2026-11-25.00x0.jsonl")]
    [TestCase("ogrt-2026-11-25.0000.jsonl.gz")]
    [TestCase("ogrtx-2026-11-25.0000.jsonl")]
    [TestCase("ogrt-x-2026-11-25.0000.jsonl")]
    [TestCase("other-2026-11-25.0000.jsonl")]
    [TestCase("ogrt-2026-11-25.+0001.jsonl")]
    public void IgnoresNamesThatAreNotItsOwn(string fileName)
    {
        Assert.That(OutputFileName.TryParse("ogrt", fileName, out _), Is.False);
    }

    [Test]
    public void OrdinalNameOrderIsDateThenSequenceOrder()
    {
        OutputFileName[] names =
        [
            new(new DateOnly(2026, 11, 25), 10), new(new DateOnly(2026, 11, 25), 2),
            new(new DateOnly(2026, 11, 24), 999), new(new DateOnly(2026, 12, 1), 0),
        ];
        var byValue = names.Order().Select(n => n.Format("ogrt"));
        var byText = names.Select(n => n.Format("ogrt")).Order(StringComparer.Ordinal);
        Assert.That(byText, Is.EqualTo(byValue));
    }
}
