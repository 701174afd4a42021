using System.Net;
using System.Net.Sockets;
using Ogrt.Cli.Tests.Infrastructure;
using Ogrt.Protocol;

namespace Ogrt.Cli.Tests;

/// <summary>
/// The NativeAOT binary installed as `ld` (symlinks, as in PREFIX/libexec/ogrt) driving the
/// real gcc, g++, gfortran, GNU ld and gold.
/// </summary>
[NonParallelizable]
public class LinkerWrapperTests
{
    private TemporaryDirectory _directory = null!;
    private string _wrapper = null!;
    private string _realLd = null!;

    [OneTimeSetUp]
    public void InstallWrapper()
    {
        _directory = new TemporaryDirectory();
        _wrapper = NativeOgrt.CreateWrapperDirectory(_directory.Path);
        _realLd = Toolchain.OnPath("ld");
        File.WriteAllText(_directory.File("hello.c"),
            "#include <stdio.h>\nextern int answer(void);\nint main(void) { printf(\"answer %d\\n\", answer()); return 0; }\n");
        File.WriteAllText(_directory.File("answer.c"), "int answer(void) { return 42; }\n");
        File.WriteAllText(_directory.File("plain.c"), "#include <stdio.h>\nint main(void) { puts(\"plain\"); return 0; }\n");
    }

    [OneTimeTearDown]
    public void RemoveWrapper() => _directory.Dispose();

    [Test]
    public void ProgramAndSharedLibraryGetDistinctSignaturesThroughBothDiscoveryPaths()
    {
        // The library finds the wrapper through COMPILER_PATH, the program through gcc -B.
        Gcc(["-shared", "-fPIC", "answer.c", "-o", "libanswer.so"], new() { ["COMPILER_PATH"] = _wrapper });
        Gcc(["-B", _wrapper + "/", "hello.c", "-L.", "-lanswer", "-Wl,-rpath," + _directory.Path, "-o", "hello"]);

        var signatures = OgrtCli.Run("signature", _directory.File("hello"), _directory.File("libanswer.so"));

        Assert.That(signatures.ExitCode, Is.Zero, signatures.ToString());
        string programUuid = ElfNotes.OgrtUuids(_directory.File("hello")).Single();
        string libraryUuid = ElfNotes.OgrtUuids(_directory.File("libanswer.so")).Single();
        Assert.That(programUuid, Is.Not.EqualTo(libraryUuid));
        Assert.That(signatures.Stdout, Is.EqualTo(
            $"{_directory.File("hello")}: {programUuid}\n{_directory.File("libanswer.so")}: {libraryUuid}\n"));
        Assert.That(ElfNotes.GnuStackFlags(_directory.File("hello")), Is.EqualTo("RW "), "stack must not be executable");
        Assert.That(ElfNotes.GnuStackFlags(_directory.File("libanswer.so")), Is.EqualTo("RW "), "stack must not be executable");
        Assert.That(Run("hello").Stdout, Is.EqualTo("answer 42\n"));
    }

    [Test]
    public void Collect2FindsTheWrapperAndTheWrapperFindsTheRealLinkerSkippingItself()
    {
        // The wrapper directory first in both COMPILER_PATH and PATH, as the module file sets them.
        var environment = new Dictionary<string, string?>
        {
            ["COMPILER_PATH"] = _wrapper,
            ["PATH"] = _wrapper + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["OGRT_DEBUG_INFO"] = "1",
        };

        var link = Gcc(["plain.c", "-o", "plain"], environment);

        Assert.That(link.Stderr, Does.Contain($"ogrt (ld wrapper): running {_realLd}\n"));
        Assert.That(ElfNotes.OgrtUuids(_directory.File("plain")), Has.Count.EqualTo(1));
        Assert.That(Run("plain").Stdout, Is.EqualTo("plain\n"));
    }

    [Test]
    public void StackedInstallationsSkipEachOtherAndSignOnce()
    {
        // A copy is a different inode than the symlinked binary: two distinct wrappers in a row.
        using var other = new TemporaryDirectory();
        string copy = NativeOgrt.CreateWrapperDirectory(other.Path, copyInsteadOfLink: true);
        var environment = new Dictionary<string, string?>
        {
            ["COMPILER_PATH"] = _wrapper + ":" + copy,
            ["PATH"] = copy + ":" + _wrapper + ":" + Environment.GetEnvironmentVariable("PATH"),
        };

        Gcc(["plain.c", "-o", "stacked"], environment);
        var direct = ExternalProcess.Run(Path.Join(copy, "ld"), ["--version"], _directory.Path, environment);

        Assert.That(ElfNotes.OgrtUuids(_directory.File("stacked")), Has.Count.EqualTo(1));
        Assert.That(direct.ExitCode, Is.Zero, direct.ToString());
        Assert.That(direct.Stdout, Does.StartWith("GNU ld"));
    }

    [Test]
    public void VersionAndNoArgumentInvocationsPassThroughUnchanged()
    {
        string wrapperLd = Path.Join(_wrapper, "ld");
        foreach (string[] arguments in new[] { new[] { "--version" }, ["-v"], ["-V"], [], ["--help"] })
        {
            var real = ExternalProcess.Run(_realLd, arguments, _directory.Path);
            var wrapped = ExternalProcess.Run(wrapperLd, arguments, _directory.Path);

            Assert.That(wrapped, Is.EqualTo(real), $"ld {string.Join(' ', arguments)}");
        }
        Assert.That(File.Exists(_directory.File("a.out")), Is.False, "an information query must not link anything");
    }

    [Test]
    public void PartialLinksAreNotWatermarkedButTheFinalLinkIs()
    {
        Gcc(["-c", "answer.c", "-o", "answer.o"]);
        Gcc(["-c", "hello.c", "-o", "hello.o"]);
        Gcc(["-B", _wrapper + "/", "-r", "hello.o", "answer.o", "-o", "partial.o"]);
        File.WriteAllText(_directory.File("partial.rsp"), "-r 'answer.o' -o partial-rsp.o\n");
        var viaResponseFile = ExternalProcess.Run(Path.Join(_wrapper, "ld"), ["@partial.rsp"], _directory.Path);
        Gcc(["-B", _wrapper + "/", "partial.o", "-o", "from-partial"]);

        Assert.That(viaResponseFile.ExitCode, Is.Zero, viaResponseFile.ToString());
        var signatures = OgrtCli.Run("signature", _directory.File("partial.o"), _directory.File("partial-rsp.o"), _directory.File("from-partial"));
        Assert.That(signatures.Stdout, Does.StartWith(
            $"{_directory.File("partial.o")}: no signature\n{_directory.File("partial-rsp.o")}: no signature\n{_directory.File("from-partial")}: "));
        Assert.That(ElfNotes.OgrtUuids(_directory.File("from-partial")), Has.Count.EqualTo(1));
        Assert.That(Run("from-partial").Stdout, Is.EqualTo("answer 42\n"));
    }

    [Test]
    public void ArgumentsThatAreNotUtf8ReachTheRealLinkerByteForByte()
    {
        // A Latin-1 file name: decoding it as UTF-8 and back would turn it into U+FFFD.
        // .NET cannot name (or delete) such a file either, so the shell builds, runs, copies and removes it.
        const string latin1 = "\"$(printf 'caf\\351')\"";
        Toolchain.MustSucceed("sh", ["-c",
            $"printf 'int main(void){{return 7;}}' > {latin1}.c && gcc -B '{_wrapper}/' {latin1}.c -o {latin1} " +
            $"&& cp {latin1} latin1-program && ./{latin1}; status=$?; rm -f {latin1} {latin1}.c; test $status = 7"], _directory.Path);

        Assert.That(ElfNotes.OgrtUuids(_directory.File("latin1-program")), Has.Count.EqualTo(1));
    }

    [TestCase("exit 42", 42)]
    [TestCase("kill -TERM $$", 128 + 15)]
    public void StandInLinkerSeesTheOriginalArgumentsPlusOneObjectAndItsStatusIsKept(string ending, int exitCode)
    {
        // A stand-in "real" ld behind the wrapper on PATH reports exactly what it received.
        using var fake = new TemporaryDirectory();
        File.WriteAllText(fake.File("ld"),
            "#!/bin/sh\n" +
            "printf 'argv0=%s\\n' \"$0\"; printf '%s\\n' \"$@\"\n" +
            "for last in \"$@\"; do :; done\n" +
            "readelf -nW \"$last\" | grep -c 'OGRT .*0x4f475254' >&2\n" +
            ending + "\n");
        File.SetUnixFileMode(fake.File("ld"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var environment = new Dictionary<string, string?> { ["PATH"] = _wrapper + ":" + fake.Path + ":" + Environment.GetEnvironmentVariable("PATH") };

        var result = ExternalProcess.Run(Path.Join(_wrapper, "ld"), ["-o", "out", "with space.o", "-lm"], _directory.Path, environment);

        Assert.That(result.ExitCode, Is.EqualTo(exitCode), result.ToString());
        Assert.That(result.Stdout, Does.Match($"^argv0={fake.File("ld")}\n-o\nout\nwith space.o\n-lm\n/proc/self/fd/[0-9]+\n$"));
        Assert.That(result.Stderr, Is.EqualTo("1\n"), "the appended object holds one OGRT note");
    }

    [Test]
    public void LinkerStartsWithTheCallersSignalMaskAndSigpipeAtItsDefault()
    {
        // The .NET runtime ignores SIGPIPE; an ignored signal would stay ignored in the linker.
        using var fake = new TemporaryDirectory();
        File.WriteAllText(fake.File("show.c"), """
            #include <signal.h>
            #include <stdio.h>
            int main(void) {
                sigset_t blocked; struct sigaction pipe;
                sigprocmask(SIG_BLOCK, NULL, &blocked);
                sigaction(SIGPIPE, NULL, &pipe);
                printf("int blocked %d, term blocked %d, pipe ignored %d\n", sigismember(&blocked, SIGINT),
                       sigismember(&blocked, SIGTERM), pipe.sa_handler == SIG_IGN);
                return 0;
            }
            """);
        Toolchain.MustSucceed("gcc", ["show.c", "-o", "ld"], fake.Path);
        var environment = new Dictionary<string, string?> { ["PATH"] = _wrapper + ":" + fake.Path + ":" + Environment.GetEnvironmentVariable("PATH") };

        var wrapped = ExternalProcess.Run(Path.Join(_wrapper, "ld"), ["x.o"], _directory.Path, environment);

        Assert.That(wrapped.Stdout, Is.EqualTo("int blocked 0, term blocked 0, pipe ignored 0\n"), wrapped.ToString());
    }

    [Test]
    public void FailingLinksKeepTheRealExitStatusAndStderr()
    {
        string[] failing = ["plain.c", "-lno-such-library", "-o", "never"];
        var real = ExternalProcess.Run("gcc", failing, _directory.Path);
        var wrapped = ExternalProcess.Run("gcc", ["-B", _wrapper + "/", .. failing], _directory.Path);
        var realDirect = ExternalProcess.Run(_realLd, ["missing.o"], _directory.Path);
        var wrappedDirect = ExternalProcess.Run(Path.Join(_wrapper, "ld"), ["missing.o"], _directory.Path);

        Assert.That(real.ExitCode, Is.Not.Zero);
        Assert.That(wrapped, Is.EqualTo(real));
        Assert.That(realDirect.ExitCode, Is.Not.Zero);
        Assert.That(wrappedDirect, Is.EqualTo(realDirect));
    }

    [Test]
    public void NoFilesAreLeftInTmpdir()
    {
        using var tmp = new TemporaryDirectory();
        var environment = new Dictionary<string, string?> { ["TMPDIR"] = tmp.Path };
        string bDirectory = _wrapper + "/";

        Gcc(["-B", bDirectory, "plain.c", "-o", "tmpdir-ok"], environment);
        Gcc(["-B", bDirectory, "-shared", "-fPIC", "answer.c", "-o", "libtmpdir.so"], environment);
        var failed = ExternalProcess.Run("gcc", ["-B", bDirectory, "plain.c", "-lno-such-library"], _directory.Path, environment);
        var undefined = ExternalProcess.Run("gcc", ["-B", bDirectory, "hello.c", "-o", "undefined"], _directory.Path, environment);

        Assert.That(failed.ExitCode, Is.Not.Zero);
        Assert.That(undefined.ExitCode, Is.Not.Zero);
        Assert.That(Directory.EnumerateFileSystemEntries(tmp.Path), Is.Empty);
    }

    [Test]
    public void CxxAndFortranProgramsAreWatermarked()
    {
        File.WriteAllText(_directory.File("hello.cpp"), "#include <iostream>\nint main() { std::cout << \"c++\" << std::endl; }\n");
        File.WriteAllText(_directory.File("hello.f90"), "program hello\n  print '(a)', 'fortran'\nend program hello\n");

        Toolchain.MustSucceed("g++", ["-B", _wrapper + "/", "hello.cpp", "-o", "hello-cxx"], _directory.Path);
        Toolchain.MustSucceed("gfortran", ["-B", _wrapper + "/", "hello.f90", "-o", "hello-fortran"], _directory.Path);

        Assert.That(ElfNotes.OgrtUuids(_directory.File("hello-cxx")), Has.Count.EqualTo(1));
        Assert.That(ElfNotes.OgrtUuids(_directory.File("hello-fortran")), Has.Count.EqualTo(1));
        Assert.That(Run("hello-cxx").Stdout, Is.EqualTo("c++\n"));
        Assert.That(Run("hello-fortran").Stdout, Is.EqualTo("fortran\n"));
    }

    [Test]
    public void StaticProgramCarriesTheWatermark()
    {
        if (!Toolchain.HasStaticLibc())
            Assert.Ignore("libc.a not installed (package libc6-dev)");

        Gcc(["-B", _wrapper + "/", "-static", "plain.c", "-o", "plain-static"]);

        Assert.That(ElfNotes.OgrtUuids(_directory.File("plain-static")), Has.Count.EqualTo(1));
        Assert.That(ExternalProcess.Run("readelf", ["-lW", _directory.File("plain-static")]).Stdout, Does.Not.Contain("INTERP"));
        Assert.That(Run("plain-static").Stdout, Is.EqualTo("plain\n"));
    }

    [Test]
    public void GoldAndGarbageCollectedLinksKeepTheWatermark()
    {
        Gcc(["-B", _wrapper + "/", "-fuse-ld=gold", "plain.c", "-o", "plain-gold"]);
        Gcc(["-B", _wrapper + "/", "-ffunction-sections", "-Wl,--gc-sections", "plain.c", "-o", "plain-gc"]);
        Gcc(["-B", _wrapper + "/", "-fuse-ld=gold", "-Wl,--gc-sections", "plain.c", "-o", "plain-gold-gc"]);

        foreach (string program in new[] { "plain-gold", "plain-gc", "plain-gold-gc" })
        {
            Assert.That(ElfNotes.OgrtUuids(_directory.File(program)), Has.Count.EqualTo(1), program);
            Assert.That(Run(program).Stdout, Is.EqualTo("plain\n"), program);
        }
    }

    [TestCase("0")]
    [TestCase("off")]
    public void WatermarkEnvironmentVariableDisablesIt(string value)
    {
        Gcc(["-B", _wrapper + "/", "plain.c", "-o", "plain-disabled"], new() { ["OGRT_WATERMARK"] = value });

        Assert.That(ElfNotes.OgrtUuids(_directory.File("plain-disabled")), Is.Empty);
        Assert.That(Run("plain-disabled").Stdout, Is.EqualTo("plain\n"));
    }

    [Test]
    public void Elf32LinkGetsA32BitWatermark()
    {
        File.WriteAllText(_directory.File("start32.c"), "void _start(void) { for (;;) ; }\n");
        var compile = ExternalProcess.Run("gcc", ["-m32", "-fno-pic", "-c", "start32.c", "-o", "start32.o"], _directory.Path);
        if (compile.ExitCode != 0)
            Assert.Ignore($"gcc cannot compile for -m32 here:\n{compile}");

        Toolchain.MustSucceed(Path.Join(_wrapper, "ld"), ["-m", "elf_i386", "start32.o", "-o", "program32"], _directory.Path);

        Assert.That(ElfNotes.OgrtUuids(_directory.File("program32")), Has.Count.EqualTo(1));
        Assert.That(ExternalProcess.Run("readelf", ["-h", _directory.File("program32")]).Stdout, Does.Contain("ELF32"));
    }

    [Test]
    public void MissingRealLinkerIsAClearError()
    {
        var result = ExternalProcess.Run(Path.Join(_wrapper, "ld.gold"), ["x.o"], _directory.Path,
            new Dictionary<string, string?> { ["PATH"] = _wrapper, ["COMPILER_PATH"] = null });

        Assert.That(result.ExitCode, Is.EqualTo(127), result.ToString());
        Assert.That(result.Stderr, Is.EqualTo("ogrt (ld.gold wrapper): cannot find the real 'ld.gold' in COMPILER_PATH or PATH\n"));
    }

    [Test]
    public void NativeBinaryRunsTheCliVerbs()
    {
        // Smoke test of the published NativeAOT build: trimming must not have broken a verb.
        string file = _directory.File("native-watermark.o");
        using var receiver = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)receiver.Client.LocalEndPoint!).Port;

        var version = OgrtCli.RunNative("--version");
        var watermark = OgrtCli.RunNative("watermark", "-o", file);
        var signature = OgrtCli.RunNative("signature", file);
        var sendTest = OgrtCli.RunNative("send-test", "--collector", $"127.0.0.1:{port}");

        Assert.That(version.ExitCode, Is.Zero, version.ToString());
        Assert.That(watermark.ExitCode, Is.Zero, watermark.ToString());
        Assert.That(signature.Stdout, Is.EqualTo($"{file}: {watermark.Stdout.Trim()}\n"));
        Assert.That(sendTest.ExitCode, Is.Zero, sendTest.ToString());
        var received = receiver.ReceiveAsync();
        Assert.That(received.Wait(TimeSpan.FromMinutes(1)), "no datagram arrived");
        var info = ProcessInfo.Parser.ParseFrom(received.Result.Buffer, MessageFrame.HeaderSize,
            received.Result.Buffer.Length - MessageFrame.HeaderSize);
        Assert.That(info.Binpath, Is.EqualTo(NativeOgrt.Path));
    }

    private ProcessResult Gcc(string[] arguments, Dictionary<string, string?>? environment = null) =>
        Toolchain.MustSucceed("gcc", arguments, _directory.Path, environment);

    private ProcessResult Run(string program) => Toolchain.MustSucceed(_directory.File(program), [], _directory.Path);
}
