using System.Text;
using Google.Protobuf;
using Ogrt.Agent.Wire;
using Ogrt.Protocol;

namespace Ogrt.Agent.Tests.Capture;

/// <summary>The hand-rolled writer checked against the generated Google.Protobuf types.</summary>
public class ProcessInfoEncoderTests
{
    private static readonly byte[] Binpath = "/opt/app/bin/solver"u8.ToArray();

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static List<byte[]> Texts(params string[] values) => values.Select(Utf8).ToList();

    private static (ProcessInfo Info, int Length, int PayloadLength) EncodeAndParse(ProcessSnapshot snapshot)
    {
        var datagram = new byte[ProcessInfoEncoder.MaxDatagramLength];
        int length = ProcessInfoEncoder.Encode(snapshot, datagram);
        Assert.That(MessageFrame.TryReadHeader(datagram.AsSpan(0, length), out uint type, out uint payloadLength), Is.True);
        Assert.That(type, Is.EqualTo((uint)MessageType.ProcessInfoMsg));
        Assert.That(payloadLength, Is.EqualTo(length - MessageFrame.HeaderSize));
        var info = ProcessInfo.Parser.ParseFrom(datagram.AsSpan(MessageFrame.HeaderSize, (int)payloadLength));
        return (info, length, (int)payloadLength);
    }

    private static ProcessSnapshot Minimal(IByteStringList? arguments = null) => new()
    {
        Binpath = Binpath,
        Pid = 4242,
        ParentPid = 1,
        TimeMicroseconds = 1_700_000_000_123_456,
        Arguments = arguments,
    };

    [Test]
    public void EveryFieldRoundTripsThroughGoogleProtobuf()
    {
        var snapshot = new ProcessSnapshot
        {
            Binpath = Binpath,
            Pid = 123456,
            ParentPid = 654321,
            TimeMicroseconds = 1_763_000_000_987_654,
            Signature = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"u8,
            JobId = "98765.pbs01"u8,
            Username = "alice"u8,
            Hostname = "node042"u8,
            Cwd = "/scratch/alice/run"u8,
            Uid = 1001,
            Gid = uint.MaxValue,
            Arguments = new ManagedByteStringList(Texts("solver", "--input", "mesh 1.dat", "")),
            Environment = new ManagedByteStringList(Texts("PATH=/usr/bin", "EMPTY=", "OMP_NUM_THREADS=8")),
            LoadedModules = new ManagedByteStringList(Texts("gcc/12.2", "openmpi/4.1")),
            SharedObjects = new ManagedSharedObjectList(
            [
                (Utf8("/opt/app/lib/libsolver.so.2.1"), Utf8("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")),
                (Utf8("/usr/lib/x86_64-linux-gnu/libc.so.6"), []),
            ],
            [[], Utf8("/lib/x86_64-linux-gnu/libc.so.6")]),
        };

        var (info, _, payloadLength) = EncodeAndParse(snapshot);

        var expected = new ProcessInfo
        {
            Binpath = "/opt/app/bin/solver",
            Pid = 123456,
            ParentPid = 654321,
            Time = 1_763_000_000,
            Signature = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            JobId = "98765.pbs01",
            Username = "alice",
            Hostname = "node042",
            Cmdline = "solver --input mesh 1.dat ",
            Uid = 1001,
            Gid = uint.MaxValue,
            Cwd = "/scratch/alice/run",
            TimeUs = 1_763_000_000_987_654,
            AgentVersion = "0.1.0",
        };
        expected.Arguments.Add(["solver", "--input", "mesh 1.dat", ""]);
        expected.EnvironmentVariables.Add(["PATH=/usr/bin", "EMPTY=", "OMP_NUM_THREADS=8"]);
        expected.LoadedModules.Add(new Module { Name = "gcc/12.2" });
        expected.LoadedModules.Add(new Module { Name = "openmpi/4.1" });
        expected.SharedObjects.Add(new SharedObject { Path = "/opt/app/lib/libsolver.so.2.1", Signature = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" });
        expected.SharedObjects.Add(new SharedObject { Path = "/usr/lib/x86_64-linux-gnu/libc.so.6", LoaderName = "/lib/x86_64-linux-gnu/libc.so.6" });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(info, Is.EqualTo(expected));
            Assert.That(info.HasTruncated, Is.False);
            Assert.That(info.SharedObjects[1].HasSignature, Is.False);
            Assert.That(info.SharedObjects[0].HasLoaderName, Is.False, "no loader_name when it is the path");
            // Same field set, canonical varints: the generated serializer needs exactly as many bytes.
            Assert.That(payloadLength, Is.EqualTo(expected.CalculateSize()));
        }
    }

    [Test]
    public void EmptyOptionalTextIsOmittedAndNegativeNumbersUseTenByteVarints()
    {
        var snapshot = Minimal();
        snapshot.Pid = -1;
        snapshot.ParentPid = int.MinValue;
        snapshot.TimeMicroseconds = -5_000_000;

        var (info, _, payloadLength) = EncodeAndParse(snapshot);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(info.Pid, Is.EqualTo(-1));
            Assert.That(info.ParentPid, Is.EqualTo(int.MinValue));
            Assert.That(info.Time, Is.EqualTo(-5));
            Assert.That(info.TimeUs, Is.EqualTo(-5_000_000));
            Assert.That(info.HasUsername || info.HasHostname || info.HasJobId || info.HasSignature || info.HasCwd || info.HasCmdline, Is.False);
            Assert.That(payloadLength, Is.EqualTo(info.CalculateSize()));
        }
    }

    [Test]
    public void ValidUtf8IsKeptAndInvalidBytesBecomeQuestionMarks()
    {
        // 0xFF never occurs in UTF-8; 0xC3 'y' is a lead byte without continuation; ED A0 80 is
        // an encoded surrogate; E2 82 at the very end is an incomplete sequence.
        byte[] invalid = [(byte)'x', 0xFF, 0xC3, (byte)'y', 0xED, 0xA0, 0x80, (byte)'z', 0xE2, 0x82];
        var snapshot = Minimal(new ManagedByteStringList([Utf8("héllo ✓ 𝄞"), invalid]));
        snapshot.Environment = new ManagedByteStringList([[.. "BAD="u8, 0xC0, 0xAF]]);

        var (info, _, payloadLength) = EncodeAndParse(snapshot);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(info.Arguments[0], Is.EqualTo("héllo ✓ 𝄞"));
            Assert.That(info.Arguments[1], Is.EqualTo("x??y???z??"));
            Assert.That(info.Cmdline, Is.EqualTo("héllo ✓ 𝄞 x??y???z??"));
            Assert.That(info.EnvironmentVariables.Single(), Is.EqualTo("BAD=??"));
            Assert.That(info.HasTruncated, Is.False);
            Assert.That(payloadLength, Is.EqualTo(info.CalculateSize()), "replacement keeps every length");
        }
    }

    [Test]
    public void OversizedScalarIsCutAtUtf8BoundaryAndMarked()
    {
        var snapshot = Minimal();
        // 80,000 bytes: the record cannot fit whole, so strings are cut to the entry limit.
        byte[] hostname = Utf8(string.Concat(Enumerable.Repeat("é", 40_000)));
        snapshot.Hostname = hostname;

        var (info, _, _) = EncodeAndParse(snapshot);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(info.Truncated, Is.True);
            Assert.That(Encoding.UTF8.GetByteCount(info.Hostname), Is.EqualTo(ProcessInfoEncoder.MaxTextLength));
            Assert.That(info.Hostname, Does.Not.Contain("\uFFFD"));
        }
    }

    [Test]
    public void MegabyteArgvGivesValidDatagramWithPrefixOfArgumentsAndCmdline()
    {
        var arguments = Enumerable.Range(0, 100_000).Select(i => Utf8($"file{i:D5}.d")).ToList();
        var snapshot = Minimal(new ManagedByteStringList(arguments));
        snapshot.SharedObjects = new ManagedSharedObjectList([(Binpath, []), (Utf8("/lib/libc.so.6"), [])]);
        snapshot.LoadedModules = new ManagedByteStringList(Texts("gcc/12"));

        var (info, length, _) = EncodeAndParse(snapshot);

        string joined = string.Join(' ', arguments.Select(Encoding.UTF8.GetString));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(length, Is.LessThanOrEqualTo(ProcessInfoEncoder.MaxDatagramLength));
            Assert.That(length, Is.GreaterThan(60_000), "the room is used, not wasted");
            Assert.That(info.Truncated, Is.True);
            Assert.That(info.Arguments, Has.Count.GreaterThan(1000));
            Assert.That(info.Arguments, Is.EqualTo(arguments.Take(info.Arguments.Count).Select(Encoding.UTF8.GetString)));
            Assert.That(info.Cmdline.Length, Is.GreaterThan(10_000));
            Assert.That(joined, Does.StartWith(info.Cmdline));
            Assert.That(info.SharedObjects, Has.Count.EqualTo(2), "shared objects keep their reserve");
            Assert.That(info.LoadedModules, Has.Count.EqualTo(1));
        }
    }

    [Test]
    public void SingleHugeArgumentIsCutToTheEntryLimitAndCmdlineKeepsItsHead()
    {
        byte[] huge = Utf8(string.Concat(Enumerable.Repeat("ü", 600_000)));
        var snapshot = Minimal(new ManagedByteStringList([Utf8("prog"), huge]));

        var (info, length, _) = EncodeAndParse(snapshot);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(length, Is.LessThanOrEqualTo(ProcessInfoEncoder.MaxDatagramLength));
            Assert.That(info.Truncated, Is.True);
            Assert.That(info.Arguments, Has.Count.EqualTo(2));
            Assert.That(Encoding.UTF8.GetByteCount(info.Arguments[1]), Is.EqualTo(ProcessInfoEncoder.MaxTextLength));
            Assert.That(info.Cmdline, Does.StartWith("prog üü"));
            Assert.That(info.Cmdline, Does.Not.Contain("\uFFFD"), "cut at a character boundary");
            Assert.That(Encoding.UTF8.GetByteCount(info.Cmdline), Is.GreaterThan(50_000));
        }
    }

    [Test]
    public void TenThousandEnvironmentVariablesAreCutFirst()
    {
        var environment = Enumerable.Range(0, 10_000).Select(i => Utf8($"VARIABLE_{i}=value-{i}")).ToList();
        var arguments = Texts("solver", "-n", "4");
        var objects = Enumerable.Range(0, 50).Select(i => (Utf8($"/usr/lib/libx{i}.so"), Array.Empty<byte>())).ToList();
        var snapshot = Minimal(new ManagedByteStringList(arguments));
        snapshot.Environment = new ManagedByteStringList(environment);
        snapshot.SharedObjects = new ManagedSharedObjectList(objects);

        var (info, length, _) = EncodeAndParse(snapshot);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(length, Is.LessThanOrEqualTo(ProcessInfoEncoder.MaxDatagramLength));
            Assert.That(info.Truncated, Is.True);
            Assert.That(info.EnvironmentVariables, Has.Count.InRange(1000, 9999));
            Assert.That(info.EnvironmentVariables, Is.EqualTo(environment.Take(info.EnvironmentVariables.Count).Select(Encoding.UTF8.GetString)));
            Assert.That(info.Arguments, Has.Count.EqualTo(3));
            Assert.That(info.Cmdline, Is.EqualTo("solver -n 4"));
            Assert.That(info.SharedObjects, Has.Count.EqualTo(50));
        }
    }

    [Test]
    public void FiveThousandSharedObjectsKeepAPrefixAndDropTheEnvironment()
    {
        var objects = Enumerable.Range(0, 5000)
            .Select(i => (Utf8($"/apps/spack/opt/linux-x86_64/package-{i}/lib/libpackage{i}.so"), Utf8($"{i:D8}-0000-0000-0000-000000000000")))
            .ToList();
        var snapshot = Minimal(new ManagedByteStringList(Texts("python3", "train.py")));
        snapshot.SharedObjects = new ManagedSharedObjectList(objects);
        snapshot.Environment = new ManagedByteStringList(Texts("HOME=/home/alice"));
        snapshot.LoadedModules = new ManagedByteStringList(Texts("python/3.12"));

        var (info, length, _) = EncodeAndParse(snapshot);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(length, Is.LessThanOrEqualTo(ProcessInfoEncoder.MaxDatagramLength));
            Assert.That(length, Is.GreaterThan(60_000));
            Assert.That(info.Truncated, Is.True);
            Assert.That(info.SharedObjects, Has.Count.InRange(400, 4999));
            Assert.That(info.SharedObjects[^1].Path, Is.EqualTo(Encoding.UTF8.GetString(objects[info.SharedObjects.Count - 1].Item1)));
            Assert.That(info.SharedObjects[^1].Signature, Is.EqualTo(Encoding.UTF8.GetString(objects[info.SharedObjects.Count - 1].Item2)));
            Assert.That(info.EnvironmentVariables, Is.Empty, "environment is cut before shared objects");
            Assert.That(info.Cmdline, Is.EqualTo("python3 train.py"));
            Assert.That(info.LoadedModules.Single().Name, Is.EqualTo("python/3.12"));
        }
    }

    [Test]
    public void EverythingOversizedAtOnceStillFitsAndKeepsReservedShares()
    {
        var snapshot = Minimal(new ManagedByteStringList(Enumerable.Range(0, 50_000).Select(i => Utf8($"argument-{i}")).ToList()));
        snapshot.Environment = new ManagedByteStringList(Enumerable.Range(0, 10_000).Select(i => Utf8($"V{i}={new string('x', 100)}")).ToList());
        snapshot.SharedObjects = new ManagedSharedObjectList(
            Enumerable.Range(0, 5000).Select(i => (Utf8($"/usr/lib/lib{i}.so.1.0"), Array.Empty<byte>())).ToList(),
            Enumerable.Range(0, 5000).Select(i => Utf8($"/lib/lib{i}.so.1")).ToList());
        snapshot.LoadedModules = new ManagedByteStringList(Enumerable.Range(0, 5000).Select(i => Utf8($"module{i}/1.0")).ToList());
        snapshot.Username = Utf8(new string('u', 9000));
        snapshot.Cwd = Utf8(new string('c', 9000));

        var (info, length, _) = EncodeAndParse(snapshot);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(length, Is.LessThanOrEqualTo(ProcessInfoEncoder.MaxDatagramLength));
            Assert.That(info.Truncated, Is.True);
            Assert.That(info.SharedObjects.CalculateSize(SharedObjectCodec), Is.InRange(ProcessInfoEncoder.SharedObjectReserve - 100, ProcessInfoEncoder.SharedObjectReserve), "loader names count in the reserve");
            Assert.That(info.SharedObjects.Select(so => so.LoaderName), Has.All.StartWith("/lib/lib"));
            Assert.That(info.LoadedModules, Is.Not.Empty);
            Assert.That(info.Arguments, Is.Not.Empty);
            Assert.That(info.EnvironmentVariables, Is.Empty);
        }
    }

    private static readonly FieldCodec<SharedObject> SharedObjectCodec = FieldCodec.ForMessage((311u << 3) | 2, SharedObject.Parser);

    [Test]
    public void RandomSnapshotsAlwaysParseStayUnderTheLimitAndAreCompleteWhenNotTruncated([Range(1, 40)] int seed)
    {
        var random = new Random(seed);
        List<byte[]> RandomTexts(int maxCount, int maxLength) =>
            Enumerable.Range(0, random.Next(maxCount)).Select(_ =>
            {
                var bytes = new byte[random.Next(maxLength)];
                random.NextBytes(bytes);
                for (int i = 0; i < bytes.Length; i++)
                    bytes[i] = bytes[i] == 0 ? (byte)'0' : bytes[i];
                return bytes;
            }).ToList();
        int scale = seed % 2 == 0 ? 20 : 3000;
        var arguments = RandomTexts(scale, 200);
        var environment = RandomTexts(scale, 300);
        var modules = RandomTexts(scale / 10, 50);
        var objects = RandomTexts(scale, 120).Select(path => (path, random.Next(2) == 0 ? Array.Empty<byte>() : Utf8(Guid.NewGuid().ToString()))).ToList();
        var snapshot = Minimal(new ManagedByteStringList(arguments));
        snapshot.Environment = new ManagedByteStringList(environment);
        snapshot.LoadedModules = new ManagedByteStringList(modules);
        snapshot.SharedObjects = new ManagedSharedObjectList(objects);

        var (info, length, _) = EncodeAndParse(snapshot);

        Assert.That(length, Is.LessThanOrEqualTo(ProcessInfoEncoder.MaxDatagramLength));
        if (!info.Truncated)
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(info.Arguments, Has.Count.EqualTo(arguments.Count));
                Assert.That(info.EnvironmentVariables, Has.Count.EqualTo(environment.Count));
                Assert.That(info.LoadedModules, Has.Count.EqualTo(modules.Count));
                Assert.That(info.SharedObjects, Has.Count.EqualTo(objects.Count));
            }
        }
        else
        {
            Assert.That(length, Is.GreaterThan(ProcessInfoEncoder.MaxDatagramLength - 2 * ProcessInfoEncoder.MaxTextLength), "truncation leaves little room unused");
        }
    }

    [Test]
    public void TooSmallBufferIsRejected()
    {
        var buffer = new byte[1024];
        Assert.That(() => ProcessInfoEncoder.Encode(Minimal(), buffer), Throws.ArgumentException);
    }
}
