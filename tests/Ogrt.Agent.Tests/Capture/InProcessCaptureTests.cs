using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Ogrt.Agent.Capture;
using Ogrt.Agent.Interop;
using Ogrt.Agent.Settings;
using Ogrt.Agent.Tests.Infrastructure;
using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Tests.Capture;

/// <summary>
/// The capture export called directly in the test process (JIT-compiled, same code as the
/// NativeAOT build) with a hand-made request, sending over a real UDP socket.
/// </summary>
public class InProcessCaptureTests
{
    // Pids the kernel never hands out (above pid_max's ceiling), so records cannot be confused.
    private static int fakePid = 5_000_000;

    private static unsafe int Invoke(CaptureRequest* request)
    {
        delegate* unmanaged<CaptureRequest*, int> capture = &CaptureExport.Capture;
        return capture(request);
    }

    private static unsafe int CaptureWith(IReadOnlyList<string> environment, IReadOnlyList<string> arguments, string exePath, int pid, uint flags = 0)
    {
        using var argv = new NativeStringArray(arguments);
        using var envp = new NativeStringArray(environment);
        byte* exe = (byte*)Marshal.StringToCoTaskMemUTF8(exePath);
        try
        {
            var request = new CaptureRequest
            {
                Version = CaptureRequest.AbiVersion,
                Flags = flags,
                Pid = pid,
                ParentPid = Environment.ProcessId,
                TimeMicroseconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000,
                ArgumentCount = argv.Count,
                ObjectCount = int.MaxValue,
                Arguments = argv.Pointer,
                Environment = envp.Pointer,
                ExecutablePath = exe,
            };
            return Invoke(&request);
        }
        finally
        {
            Marshal.FreeCoTaskMem((nint)exe);
        }
    }

    [Test]
    public async Task CapturesRequestEnvironmentAndLinkMapAndSendsOneDatagram()
    {
        using var collector = new ProcessInfoListener();
        int pid = Interlocked.Increment(ref fakePid);
        int status = CaptureWith(
            [$"OGRT_COLLECTOR={collector.CollectorAddress}", "USER=in-process-user", "PBS_JOBID=77.pbs",
             "LOADEDMODULES=gcc/13:cuda/12.4", "OGRT_ENV_CAPTURE=PBS_*,LOADED*", "API_TOKEN=hidden"],
            ["/opt/fake/prog", "--flag", "two words"],
            "/opt/fake/prog",
            pid);

        Assert.That(status, Is.EqualTo((int)CaptureStatus.Sent));
        var info = await collector.WaitForPidAsync(pid);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(info.Binpath, Is.EqualTo("/opt/fake/prog"));
            Assert.That(info.Cmdline, Is.EqualTo("/opt/fake/prog --flag two words"));
            Assert.That(info.Arguments, Is.EqualTo(new[] { "/opt/fake/prog", "--flag", "two words" }));
            Assert.That(info.ParentPid, Is.EqualTo(Environment.ProcessId));
            Assert.That(info.Username, Is.EqualTo(Environment.UserName), "the uid's passwd name, not USER");
            Assert.That(info.JobId, Is.EqualTo("77.pbs"));
            Assert.That(info.Hostname, Is.EqualTo(Environment.MachineName));
            Assert.That(info.Cwd, Is.EqualTo(Environment.CurrentDirectory));
            Assert.That(info.Uid, Is.EqualTo(Libc.getuid()));
            Assert.That(info.Gid, Is.EqualTo(Libc.getgid()));
            Assert.That(info.EnvironmentVariables, Is.EquivalentTo(new[] { "PBS_JOBID=77.pbs", "LOADEDMODULES=gcc/13:cuda/12.4" }));
            Assert.That(info.LoadedModules.Select(m => m.Name), Is.EqualTo(new[] { "gcc/13", "cuda/12.4" }));
            Assert.That(info.SharedObjects.Select(so => so.Path), Has.None.EqualTo("/opt/fake/prog"), "the main program is binpath, not a shared object");
            Assert.That(info.SharedObjects.Select(so => so.Path), Has.Some.Contains("libc.so.6"));
            Assert.That(info.SharedObjects.Select(so => so.LoaderName), Has.None.Contains("vdso"));
            Assert.That(info.SharedObjects.Select(so => so.Path), Has.Some.Contains("libcoreclr.so"));
            Assert.That(info.Truncated, Is.False);
        }
    }

    [Test]
    public unsafe void BadRequestsReturnErrorsWithoutThrowing()
    {
        Assert.That(Invoke(null), Is.EqualTo((int)CaptureStatus.InvalidRequest));
        var request = new CaptureRequest { Version = 2 };
        Assert.That(Invoke(&request), Is.EqualTo((int)CaptureStatus.InvalidRequest));
        request = new CaptureRequest { Version = CaptureRequest.AbiVersion, ArgumentCount = -1 };
        Assert.That(Invoke(&request), Is.EqualTo((int)CaptureStatus.InvalidRequest));
    }

    [Test]
    public async Task InvalidCollectorAddressSendsNothing()
    {
        using var collector = new ProcessInfoListener();
        int status = CaptureWith(["OGRT_COLLECTOR=127.0.0.1:notaport"], ["prog"], "/opt/fake/prog", Interlocked.Increment(ref fakePid));
        Assert.That(status, Is.EqualTo((int)CaptureStatus.InvalidCollector));

        // Positive control on the same listener: a valid request arrives, nothing else did.
        int pid = Interlocked.Increment(ref fakePid);
        Assert.That(CaptureWith([$"OGRT_COLLECTOR={collector.CollectorAddress}"], ["prog"], "/opt/fake/prog", pid), Is.Zero);
        await collector.WaitForPidAsync(pid);
        Assert.That(collector.Received, Has.Count.EqualTo(1));
    }

    [Test]
    public unsafe void EmptyArgvEnvironmentAndExecutablePathStillSend()
    {
        using var receiver = new UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        int port = ((System.Net.IPEndPoint)receiver.Client.LocalEndPoint!).Port;
        using var envp = new NativeStringArray([$"OGRT_COLLECTOR=127.0.0.1:{port}"]);
        var request = new CaptureRequest
        {
            Version = CaptureRequest.AbiVersion,
            Pid = Interlocked.Increment(ref fakePid),
            ObjectCount = 0,
            Environment = envp.Pointer,
        };
        Assert.That(Invoke(&request), Is.EqualTo((int)CaptureStatus.Sent));
        receiver.Client.ReceiveTimeout = (int)ProcessInfoListener.DefaultTimeout.TotalMilliseconds;
        System.Net.IPEndPoint? from = null;
        byte[] datagram = receiver.Receive(ref from);
        var info = Ogrt.Protocol.ProcessInfo.Parser.ParseFrom(datagram.AsSpan(8));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(info.Pid, Is.EqualTo(request.Pid));
            Assert.That(info.Binpath, Is.Empty);
            Assert.That(info.HasCmdline, Is.False);
            Assert.That(info.SharedObjects, Is.Empty);
        }
    }

    [TestCase("127.0.0.1", 2, 16)]
    [TestCase("::1", 10, 28)]
    [TestCase("localhost", -1, -1)]
    public void ResolvesLiteralsWithoutResolverAndNamesWithIt(string host, int expectedFamily, int expectedLength)
    {
        byte[] hostBytes = Encoding.UTF8.GetBytes(host);
        var address = new byte[28];
        bool resolved = DatagramSender.TryResolve(new CollectorAddress(hostBytes, 7971), address, out int family, out int length, out _);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(resolved, Is.True);
            Assert.That(family, expectedFamily < 0 ? Is.AnyOf(2, 10) : Is.EqualTo(expectedFamily));
            Assert.That(length, expectedLength < 0 ? Is.AnyOf(16, 28) : Is.EqualTo(expectedLength));
            Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(address), Is.EqualTo(family));
            Assert.That(BinaryPrimitives.ReadUInt16BigEndian(address.AsSpan(2)), Is.EqualTo(7971));
        }
    }
}
