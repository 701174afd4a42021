using System.Text;
using System.Text.Json;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Sdk.Batches;
using Ogrt.Outputs.Sdk.Buffers;
using Ogrt.Outputs.TestSupport;

namespace Ogrt.Outputs.Sdk.Tests;

public sealed class JsonLinesBodyWriterTests
{
    /// <summary>Writes each record's pid as its entry: one short, known line per record.</summary>
    private sealed class PidLines : JsonLinesBodyWriter
    {
        protected override void WriteEntry(ByteBuffer body, Utf8JsonWriter writer, ProcessRecord record)
        {
            writer.Reset(body);
            writer.WriteNumberValue(record.Pid);
            writer.Flush();
        }
    }

    private static string[] Lines(ByteBuffer body) =>
        Encoding.UTF8.GetString(body.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Test]
    public void Takes_records_from_the_start_up_to_the_record_limit()
    {
        var batch = TestRecords.Range(1, 10);
        using var body = new ByteBuffer(64);

        int taken = new PidLines().Write(body, batch, start: 2, maxRecords: 3, maxBytes: long.MaxValue);

        Assert.That(taken, Is.EqualTo(3));
        Assert.That(Lines(body), Is.EqualTo(new[] { $"{batch[2].Pid}", $"{batch[3].Pid}", $"{batch[4].Pid}" }));
    }

    [Test]
    public void Stops_before_the_entry_that_would_pass_the_byte_limit_and_leaves_no_part_of_it()
    {
        var batch = TestRecords.Range(1, 10);
        using var body = new ByteBuffer(64);
        int twoEntries = $"{batch[0].Pid}\n{batch[1].Pid}\n".Length;

        int taken = new PidLines().Write(body, batch, start: 0, maxRecords: int.MaxValue, maxBytes: twoEntries + 1);

        Assert.That(taken, Is.EqualTo(2));
        Assert.That(body.Length, Is.EqualTo(twoEntries));
    }

    [Test]
    public void Takes_the_first_record_even_when_it_alone_is_over_the_byte_limit()
    {
        var batch = TestRecords.Range(1, 3);
        using var body = new ByteBuffer(64);

        int taken = new PidLines().Write(body, batch, start: 0, maxRecords: int.MaxValue, maxBytes: 1);

        Assert.That(taken, Is.EqualTo(1));
        Assert.That(Lines(body), Is.EqualTo(new[] { $"{batch[0].Pid}" }));
    }

    [Test]
    public void Clears_what_an_earlier_request_left_in_the_body()
    {
        var batch = TestRecords.Range(1, 2);
        using var body = new ByteBuffer(64);
        body.Write("stale"u8);

        new PidLines().Write(body, batch, start: 1, maxRecords: 1, maxBytes: long.MaxValue);

        Assert.That(Lines(body), Is.EqualTo(new[] { $"{batch[1].Pid}" }));
    }
}
