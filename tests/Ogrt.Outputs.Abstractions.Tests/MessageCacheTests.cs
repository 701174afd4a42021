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
