namespace Ogrt.Deployment.Tests.OldGlibc;

/// <summary>
/// The built tree on an older glibc than this machine's: Debian bullseye (glibc 2.31, before
/// glibc 2.34 merged libpthread and libdl into libc), debootstrapped once into artifacts/ and
/// entered with chroot in a private mount namespace (no PID namespace: the fork path refuses
/// those). The tracked programs are copies of bullseye's own programs; records go to the test's
/// collector on this machine's loopback.
/// </summary>
[NonParallelizable]
public sealed class OlderGlibcNodeTests
{
    private static readonly TimeSpan RecordTimeout = TimeSpan.FromSeconds(30);

    private string _root = null!;
    private string _work = null!;

    [OneTimeSetUp]
    public void MakeRoot()
    {
        var made = BashScript.Run($"{BashScript.Quote(Path.Combine(InstalledTree.RepositoryRoot, "build.sh"))} bullseye-root",
            timeout: TimeSpan.FromMinutes(10));
        Assert.That(made.ExitCode, Is.Zero, $"could not make the bullseye root: {made}");
        _root = made.Output.Trim().Split('\n')[^1];
        _work = InstalledTree.NewDirectory("bullseye-work");
    }

    /// <summary>
    /// Service path: a plain program (/bin/true). Fork path: bash, which loads libdl (where glibc
    /// before 2.34 defines dlopen) but not libpthread, which the capture library brings into the
    /// capture process; a program without libdl is left alone there, saying why.
    /// </summary>
    [Test]
    public async Task PreloadedGate_TracksThroughTheServiceAndTheForkPath()
    {
        string suffix = Guid.NewGuid().ToString("N");
        string viaService = $"/tmp/probe-service-{suffix}", viaFork = $"/tmp/probe-fork-{suffix}", withoutLibdl = $"/tmp/probe-plain-{suffix}";
        string tracked = $"LD_PRELOAD=/mnt/ogrt/lib/libogrt.so OGRT_ACTIVE=1 OGRT_FILTER= OGRT_COLLECTOR={InstalledTree.Listener.CollectorAddress}";

        var result = InBullseye($"""
            cp /bin/true {viaService}; cp /bin/bash {viaFork}; cp /bin/true {withoutLibdl}
            /mnt/ogrt/sbin/ogrt-agent-service --socket /tmp/agent.sock --collector {InstalledTree.Listener.CollectorAddress} --counters /tmp/counters 2>/dev/null &
            service=$!
            waited=0
            while [ ! -S /tmp/agent.sock ]; do waited=$((waited + 1)); [ $waited -lt 200 ] || exit 3; sleep 0.05; done
            {tracked} OGRT_CAPTURE=service OGRT_AGENT_SOCKET=/tmp/agent.sock {viaService}
            {tracked} OGRT_CAPTURE=fork {viaFork} -c :
            {tracked} OGRT_CAPTURE=fork OGRT_DEBUG_INFO=1 {withoutLibdl} 2>&1 | sed 's/^/without libdl: /'
            kill $service
            """);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(result.Error, Is.Empty, "the loader must not complain about the gate");
            Assert.That(result.Output, Does.Contain(
                $"without libdl: ogrt: not tracking {withoutLibdl}: glibc older than 2.34 and the program does not load libdl"));
        });
        await InstalledTree.Listener.WaitUntilAsync(
            all => all.Any(info => info.Binpath == viaService) && all.Any(info => info.Binpath == viaFork),
            $"the records of {viaService} and {viaFork} (run: {result})", RecordTimeout);
    }

    [Test]
    public void LinkerWrapper_WatermarksWhatBullseyesLinkerLinks_AndOgrtReadsTheSignature()
    {
        File.WriteAllText(Path.Combine(_work, "main.c"), "#include <stdio.h>\nint main(void) { puts(\"linked\"); return 0; }\n");
        var compiled = BashScript.Run($"cd {BashScript.Quote(_work)} && gcc -c -O2 main.c -o main.o");
        Assert.That(compiled.ExitCode, Is.Zero, compiled.ToString());
        const string crt = "/usr/lib/x86_64-linux-gnu";

        var result = InBullseye($"""
            PATH=/mnt/ogrt/libexec/ogrt:$PATH ld -o /tmp/linked -dynamic-linker /lib64/ld-linux-x86-64.so.2 {crt}/crt1.o {crt}/crti.o /mnt/work/main.o -lc {crt}/crtn.o
            /tmp/linked
            /mnt/ogrt/bin/ogrt signature /tmp/linked
            """);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(result.Output, Does.Match(@"^linked\n/tmp/linked: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n$"), result.ToString());
            Assert.That(result.Error, Is.Empty);
        });
    }

    /// <summary>
    /// Runs a POSIX shell script inside the bullseye root with the built tree at /mnt/ogrt and the
    /// test's work directory at /mnt/work (both read-only), a fresh /tmp, and this machine's /proc.
    /// The mounts live in a mount namespace of their own: the cached root is never changed.
    /// </summary>
    private ShellResult InBullseye(string script)
    {
        string setup = $"""
            mount -t tmpfs tmpfs "$0/mnt" && mount -t tmpfs tmpfs "$0/tmp" && mount -t proc proc "$0/proc"
            mkdir "$0/mnt/ogrt" "$0/mnt/work"
            mount --bind -o ro "$1" "$0/mnt/ogrt" && mount --bind -o ro "$2" "$0/mnt/work"
            exec chroot "$0" /bin/sh -eu -c "$3"
            """;
        return BashScript.Run(
            $"exec unshare --mount --propagation private /bin/sh -eu -c {BashScript.Quote(setup)} "
            + string.Join(' ', new[] { _root, InstalledTree.BuiltTree, _work, script }.Select(BashScript.Quote)),
            timeout: TimeSpan.FromMinutes(2));
    }
}
