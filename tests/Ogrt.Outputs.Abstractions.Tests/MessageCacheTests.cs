using System.Text;
using Ogrt.Outputs.Abstractions.Schema;
using Ogrt.Protocol;

namespace Ogrt.Outputs.Abstractions.Tests;

public class MessageCacheTests
{
    private static readonly DateTimeOffset Received = DateTimeOffset.UnixEpoch;

    [Test]
    public void The_same_library_in_two_records_is_one_instance()
    {
        var reader = new RecordReader();

        var first = reader.Read(Datagram(pid: 1, Library("/lib/libmpi.so.40", "uuid-a")), Received, null);
        var second = reader.Read(Datagram(pid: 2, Library("/lib/libmpi.so.40", "uuid-a")), Received, null);

        Assert.That(second.GetMessages(ProcessInfo.SharedObjectsFieldNumber)[0], Is.SameAs(first.GetMessages(ProcessInfo.SharedObjectsFieldNumber)[0]));
    }

    [Test]
    public void Messages_that_share_a_slot_still_come_back_as_themselves()
    {
        // The smallest cache (one pair of slots) and three messages: every message evicts
        // another, and a hit must be the same bytes, not the same slot.
        var reader = new RecordReader(stringTableCapacity: 1);
        var third = Library("/opt/apps/lib16-1.2.3/lib/libdep16.so.1", "5a1e0016-0000-4000-8000-000000000000");
        var watermarked = Library("/opt/apps/lib0-1.2.3/lib/libdep0.so.1", "5a1e0000-0000-4000-8000-000000000000");
        var other = Library("/opt/apps/lib8-1.2.3/lib/libdep8.so.1", "5a1e0008-0000-4000-8000-000000000000");

        for (int i = 0; i < 3; i++)
        {
            var record = reader.Read(Datagram(pid: i + 1, watermarked, other, third, watermarked), Received, null);
            var libraries = record.GetMessages(ProcessInfo.SharedObjectsFieldNumber);
            Assert.That(libraries.Select(l => (l.GetText(SharedObject.PathFieldNumber), l.GetText(SharedObject.SignatureFieldNumber))), Is.EqualTo(new[]
            {
                (watermarked.Path, watermarked.Signature), (other.Path, other.Signature), (third.Path, third.Signature), (watermarked.Path, watermarked.Signature),
            }));
        }
    }

    [Test]
    public void A_shared_library_is_written_as_the_same_JSON_in_every_record_and_thread()
    {
        // A shared message keeps its JSON after first use; every record must still read as if
        // it was written from scratch: commas between array elements, escapes, field order.
        var reader = new RecordReader();
        var libraries = new[] { Library("/lib/libmpi.so.40", "uuid-a"), Library("/lib/\"odd\"\nname.so", ""), Library("/lib/libc.so.6", "") };
        var records = Enumerable.Range(1, 50).Select(pid => reader.Read(Datagram(pid, libraries), Received, null)).ToArray();

        var written = new string[records.Length];
        Parallel.For(0, records.Length, i => written[i] = Encoding.UTF8.GetString(ProcessRecordJson.ToUtf8Bytes(records[i])));

        for (int i = 0; i < records.Length; i++)
        {
            var fresh = new RecordReader().Read(Datagram(i + 1, libraries), Received, null);
            Assert.That(written[i], Is.EqualTo(Encoding.UTF8.GetString(ProcessRecordJson.ToUtf8Bytes(fresh))));
        }
        Assert.That(written[0], Does.Contain(
            "\"shared_objects\":[{\"path\":\"/lib/libmpi.so.40\",\"signature\":\"uuid-a\"},{\"path\":\"/lib/\\\"odd\\\"\\nname.so\",\"signature\":\"\"},{\"path\":\"/lib/libc.so.6\",\"signature\":\"\"}]"));
    }

    [Test]
    public void A_malformed_message_is_refused_every_time_it_arrives()
    {
        // Only messages read successfully are kept, so a repeat is checked again.
        var reader = new RecordReader();
        var library = new SharedObject { Signature = "uuid-a" }; // No path, which is required.

        for (int i = 0; i < 2; i++)
        {
            Assert.That(reader.TryRead(Datagram(pid: 1, library), Received, null, out _, out var fault, out string? detail), Is.False);
            Assert.That(fault, Is.EqualTo(RecordFault.MissingField));
            Assert.That(detail, Does.Contain("shared_objects.path"));
        }
    }

    private static SharedObject Library(string path, string signature) => new() { Path = path, Signature = signature };

    private static byte[] Datagram(int pid, params SharedObject[] libraries)
    {
        var info = new ProcessInfo { Binpath = "/bin/true", Pid = pid, ParentPid = 1, Time = 1 };
        info.SharedObjects.Add(libraries);
        return MessageFrame.Encode(info);
    }
}
