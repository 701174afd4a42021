using Google.Protobuf;
using Ogrt.Collector.Decoding;
using Ogrt.Outputs.Abstractions;
using Ogrt.Protocol;

namespace Ogrt.Collector.Tests;

/// <summary>
/// The schema-driven wire decoder against the parser generated from ogrt.proto: same values
/// for anything the generated parser reads, and no exception for anything at all.
/// </summary>
public class RecordDecoderCompatibilityTests
{
    [Test]
    public void Random_messages_decode_to_what_the_generated_parser_reads()
    {
        var random = new Random(20261125);
        var decoder = new RecordDecoder();
        for (int i = 0; i < 2000; i++)
        {
            var info = RandomProcessInfo(random);
            byte[] datagram = MessageFrame.Encode(info);

            Assert.That(decoder.TryDecode(datagram, DateTimeOffset.UnixEpoch, null, out var record, out var reason, out var detail), Is.True,
                () => $"message {i}: {reason} {detail}");
            AssertSame(ProcessInfo.Parser.ParseFrom(datagram.AsSpan(MessageFrame.HeaderSize)), record!, i);
        }
    }

    [Test]
    public void Fields_unknown_to_this_collector_are_skipped()
    {
        var info = new ProcessInfo { Binpath = "/bin/true", Pid = 5, ParentPid = 1, Time = 7 };
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
        {
            info.WriteTo(output);
            output.WriteTag(2000, WireFormat.WireType.Varint);
            output.WriteUInt64(ulong.MaxValue);
            output.WriteTag(2001, WireFormat.WireType.LengthDelimited);
            output.WriteString("from a newer agent");
            output.WriteTag(2002, WireFormat.WireType.Fixed32);
            output.WriteFixed32(1);
            output.WriteTag(2003, WireFormat.WireType.Fixed64);
            output.WriteFixed64(2);
            // A known field with another wire type is unknown to protobuf too.
            output.WriteTag(300, WireFormat.WireType.Varint);
            output.WriteUInt32(1);
        }
        byte[] payload = stream.ToArray();
        byte[] datagram = Support.TestDatagrams.Frame(12, (uint)payload.Length, payload);

        Assert.That(new RecordDecoder().TryDecode(datagram, DateTimeOffset.UnixEpoch, null, out var record, out _, out _), Is.True);
        AssertSame(Support.RecordMessages.InfoParser.ParseFrom(payload), record!, 0);
    }

    [Test]
    public void Mutated_datagrams_never_throw_and_what_is_accepted_matches_the_generated_parser()
    {
        var random = new Random(42);
        var decoder = new RecordDecoder();
        int accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] datagram = MessageFrame.Encode(RandomProcessInfo(random));
            int mutations = random.Next(1, 4);
            for (int m = 0; m < mutations; m++)
                datagram[random.Next(MessageFrame.HeaderSize, datagram.Length)] = (byte)random.Next(256);

            if (!decoder.TryDecode(datagram, DateTimeOffset.UnixEpoch, null, out var record, out _, out _))
                continue;
            accepted++;
            ProcessInfo reference;
            try
            {
                reference = Support.RecordMessages.InfoParser.ParseFrom(datagram.AsSpan(MessageFrame.HeaderSize));
            }
            catch (InvalidProtocolBufferException e) when (e.Message.Contains("UTF-8", StringComparison.Ordinal))
            {
                // Deliberate difference: invalid UTF-8 becomes U+FFFD instead of losing the record.
                continue;
            }
            catch (InvalidProtocolBufferException e)
            {
                Assert.Fail($"mutation {i}: accepted what the generated parser refuses: {e.Message}");
                return;
            }
            AssertSame(reference, record!, i);
        }
        Assert.That(accepted, Is.GreaterThan(100), "the mutations should leave some datagrams valid");
    }

    [Test]
    public void A_path_that_is_not_UTF8_keeps_the_record_with_replacement_characters()
    {
        // Linux paths are bytes; an upstream agent sends them as they are (here Latin-1 "é").
        var info = new ProcessInfo { Binpath = "/home/ren\u00e9/a.out", Pid = 1, ParentPid = 1, Time = 1 };
        byte[] datagram = MessageFrame.Encode(info);
        int at = Array.IndexOf(datagram, (byte)0xC3);
        datagram[at] = 0xE9; // Latin-1 é, an invalid UTF-8 lead byte here
        datagram[at + 1] = (byte)'x';

        Assert.That(new RecordDecoder().TryDecode(datagram, DateTimeOffset.UnixEpoch, null, out var record, out _, out _), Is.True);
        Assert.That(record!.Binpath, Is.EqualTo("/home/ren\uFFFDx/a.out"));
    }

    private static void AssertSame(ProcessInfo expected, ProcessRecord actual, int index) =>
        Assert.That(Support.RecordMessages.ToProcessInfo(actual), Is.EqualTo(expected), $"message #{index}");

    /// <summary>A message with random presence, extreme numbers and non-ASCII text; values repeat so the string table is exercised.</summary>
    private static ProcessInfo RandomProcessInfo(Random random)
    {
        string Text() => random.Next(6) switch
        {
            0 => "",
            1 => "/usr/lib/x86_64-linux-gnu/libc.so.6",
            2 => "Grüße/данные/数据/" + random.Next(3),
            3 => new string('x', random.Next(400, 700)),
            _ => "value-" + random.Next(50),
        };
        var info = new ProcessInfo
        {
            Binpath = Text(),
            Pid = random.Next(6) == 0 ? -random.Next() : random.Next(),
            ParentPid = random.Next(4) == 0 ? int.MinValue : random.Next(),
            Time = random.Next(4) == 0 ? long.MinValue : random.NextInt64(),
        };
        if (random.Next(2) == 0) info.Signature = Text();
        if (random.Next(2) == 0) info.JobId = Text();
        if (random.Next(2) == 0) info.Username = Text();
        if (random.Next(2) == 0) info.Hostname = Text();
        if (random.Next(2) == 0) info.Cmdline = Text();
        if (random.Next(2) == 0) info.Uid = random.Next(3) == 0 ? uint.MaxValue : (uint)random.Next();
        if (random.Next(2) == 0) info.Gid = (uint)random.Next();
        if (random.Next(2) == 0) info.Cwd = Text();
        if (random.Next(2) == 0) info.TimeUs = random.NextInt64(long.MinValue, long.MaxValue);
        if (random.Next(2) == 0) info.AgentVersion = Text();
        if (random.Next(2) == 0) info.Truncated = random.Next(2) == 0;
        for (int i = random.Next(5); i > 0; i--) info.EnvironmentVariables.Add(Text());
        for (int i = random.Next(5); i > 0; i--) info.Arguments.Add(Text());
        for (int i = random.Next(45); i > 0; i--)
        {
            var sharedObject = new SharedObject { Path = Text() };
            if (random.Next(3) == 0) sharedObject.Signature = Text();
            info.SharedObjects.Add(sharedObject);
        }
        for (int i = random.Next(4); i > 0; i--) info.LoadedModules.Add(new Module { Name = Text() });
        return info;
    }
}
