using System.Text;
using Google.Protobuf;
using Ogrt.Outputs.Abstractions.Schema;
using Ogrt.Protocol;

namespace Ogrt.Outputs.Abstractions.Tests;

public class ListCacheTests
{
    private static readonly DateTimeOffset Received = DateTimeOffset.UnixEpoch;

    [Test]
    public void A_link_map_seen_again_is_kept_and_then_shared_by_every_record()
    {
        var reader = new RecordReader();
        var libraries = new[] { Library("/lib/libmpi.so.40", "uuid-a"), Library("/lib/libc.so.6", "") };

        var first = reader.Read(Datagram(pid: 1, ["A=1", "B=2"], libraries), Received, null);
        var second = reader.Read(Datagram(pid: 2, ["A=1", "B=2"], libraries), Received, null);
        var third = reader.Read(Datagram(pid: 3, ["A=1", "B=2"], libraries), Received, null);

        // A list is kept on its second sighting, so that lists that never repeat cost no copy.
        Assert.That(second.GetMessages(ProcessInfo.SharedObjectsFieldNumber), Is.Not.SameAs(first.GetMessages(ProcessInfo.SharedObjectsFieldNumber)));
        Assert.That(third.GetMessages(ProcessInfo.SharedObjectsFieldNumber), Is.SameAs(second.GetMessages(ProcessInfo.SharedObjectsFieldNumber)));
        Assert.That(third.GetTexts(ProcessInfo.EnvironmentVariablesFieldNumber), Is.SameAs(second.GetTexts(ProcessInfo.EnvironmentVariablesFieldNumber)));
        Assert.That(third.GetTexts(ProcessInfo.EnvironmentVariablesFieldNumber), Is.EqualTo(new[] { "A=1", "B=2" }));
        Assert.That(third.GetMessages(ProcessInfo.SharedObjectsFieldNumber).Select(l => l.GetText(SharedObject.PathFieldNumber)),
            Is.EqualTo(new[] { "/lib/libmpi.so.40", "/lib/libc.so.6" }));
    }

    [Test]
    public void Lists_that_differ_in_one_entry_are_not_confused()
    {
        var reader = new RecordReader();
        for (int pid = 1; pid <= 3; pid++)
            reader.Read(Datagram(pid, ["A=1", "B=2"]), Received, null);

        var other = reader.Read(Datagram(pid: 4, ["A=1", "B=3"]), Received, null);
        var again = reader.Read(Datagram(pid: 5, ["A=1", "B=2"]), Received, null);

        Assert.That(other.GetTexts(ProcessInfo.EnvironmentVariablesFieldNumber), Is.EqualTo(new[] { "A=1", "B=3" }));
        Assert.That(again.GetTexts(ProcessInfo.EnvironmentVariablesFieldNumber), Is.EqualTo(new[] { "A=1", "B=2" }));
    }

    [Test]
    public void A_field_that_comes_back_later_in_the_message_keeps_all_its_values_in_order()
    {
        // Protobuf lets a repeated field's entries be split by other fields (two messages
        // concatenated merge their lists): the run the cache knows is then only the first part.
        var reader = new RecordReader();
        for (int pid = 1; pid <= 3; pid++)
            reader.Read(Datagram(pid, ["A=1", "B=2"]), Received, null); // Now kept.

        for (int i = 0; i < 3; i++)
        {
            var split = reader.Read(Merged(Payload(pid: 10 + i, ["A=1", "B=2"]), Payload(pid: 10 + i, ["C=3"])), Received, null);
            Assert.That(split.GetTexts(ProcessInfo.EnvironmentVariablesFieldNumber), Is.EqualTo(new[] { "A=1", "B=2", "C=3" }));
        }
        var unsplit = reader.Read(Datagram(pid: 20, ["A=1", "B=2"]), Received, null);
        Assert.That(unsplit.GetTexts(ProcessInfo.EnvironmentVariablesFieldNumber), Is.EqualTo(new[] { "A=1", "B=2" }));
    }

    [Test]
    public void A_split_field_is_never_kept_as_its_first_run()
    {
        var reader = new RecordReader();
        for (int i = 0; i < 3; i++)
            reader.Read(Merged(Payload(pid: 1, ["A=1", "B=2"]), Payload(pid: 1, ["C=3"])), Received, null);

        var plain = reader.Read(Datagram(pid: 2, ["A=1", "B=2"]), Received, null);

        Assert.That(plain.GetTexts(ProcessInfo.EnvironmentVariablesFieldNumber), Is.EqualTo(new[] { "A=1", "B=2" }));
    }

    [TestCase(ListCache.MaxRunEntries + 1, 1)]
    [TestCase(2, ListCache.MaxRunBytes)]
    public void Runs_beyond_the_cache_bounds_are_read_but_not_kept(int entries, int entryLength)
    {
        // The bounds cap the memory hostile lists can pin in the cache.
        var reader = new RecordReader();
        string[] environment = Enumerable.Range(0, entries).Select(i => ((char)('a' + (i % 26))).ToString().PadRight(entryLength, 'x')).ToArray();

        var records = Enumerable.Range(1, 3).Select(pid => reader.Read(Datagram(pid, environment), Received, null)).ToArray();

        Assert.That(records[2].GetTexts(ProcessInfo.EnvironmentVariablesFieldNumber), Is.EqualTo(environment));
        Assert.That(records[2].GetTexts(ProcessInfo.EnvironmentVariablesFieldNumber), Is.Not.SameAs(records[1].GetTexts(ProcessInfo.EnvironmentVariablesFieldNumber)));
    }

    [Test]
    public void A_list_with_a_malformed_entry_is_refused_every_time_it_arrives()
    {
        var reader = new RecordReader();
        var libraries = new[] { Library("/lib/libc.so.6", ""), new SharedObject { Signature = "uuid-a" } }; // No path, which is required.

        for (int i = 0; i < 3; i++)
        {
            Assert.That(reader.TryRead(Datagram(pid: 1, ["A=1"], libraries), Received, null, out _, out var fault, out string? detail), Is.False);
            Assert.That(fault, Is.EqualTo(RecordFault.MissingField));
            Assert.That(detail, Does.Contain("shared_objects.path"));
        }
    }

    [Test]
    public void A_shared_list_is_written_and_measured_as_if_read_from_scratch_in_every_thread()
    {
        var reader = new RecordReader();
        string[] environment = ["PATH=/usr/bin", "ODD=\"quoted\"\ttab", "UNICODE=grüße"];
        var libraries = new[] { Library("/lib/libmpi.so.40", "uuid-a"), Library("/lib/\"odd\"\nname.so", "") };
        var records = Enumerable.Range(1, 50).Select(pid => reader.Read(Datagram(pid, environment, libraries), Received, null)).ToArray();

        var written = new string[records.Length];
        Parallel.For(0, records.Length, i => written[i] = Encoding.UTF8.GetString(ProcessRecordJson.ToUtf8Bytes(records[i])));

        for (int i = 0; i < records.Length; i++)
        {
            var fresh = new RecordReader().Read(Datagram(i + 1, environment, libraries), Received, null);
            Assert.That(written[i], Is.EqualTo(Encoding.UTF8.GetString(ProcessRecordJson.ToUtf8Bytes(fresh))));
            Assert.That(records[i].ApproximateBytes, Is.EqualTo(fresh.ApproximateBytes));
        }
        Assert.That(written[^1], Does.Contain("\"environment_variables\":[\"PATH=/usr/bin\",\"ODD=\\\"quoted\\\"\\ttab\",\"UNICODE=grüße\"]"));
    }

    private static SharedObject Library(string path, string signature) => new() { Path = path, Signature = signature };

    private static ProcessInfo Payload(int pid, string[] environment, params SharedObject[] libraries)
    {
        var info = new ProcessInfo { Binpath = "/bin/true", Pid = pid, ParentPid = 1, Time = 1 };
        info.EnvironmentVariables.Add(environment);
        info.SharedObjects.Add(libraries);
        return info;
    }

    private static byte[] Datagram(int pid, string[] environment, params SharedObject[] libraries) =>
        MessageFrame.Encode(Payload(pid, environment, libraries));

    /// <summary>Two messages back to back in one datagram, which protobuf reads as one (merged).</summary>
    private static byte[] Merged(ProcessInfo first, ProcessInfo second)
    {
        byte[] payload = [.. first.ToByteArray(), .. second.ToByteArray()];
        var datagram = new byte[MessageFrame.HeaderSize + payload.Length];
        MessageFrame.WriteHeader(datagram, MessageType.ProcessInfoMsg, payload.Length);
        payload.CopyTo(datagram, MessageFrame.HeaderSize);
        return datagram;
    }
}
