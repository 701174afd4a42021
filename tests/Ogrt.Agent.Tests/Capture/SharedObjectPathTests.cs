using System.Runtime.InteropServices;
using System.Text;
using Ogrt.Agent.Interop;
using Ogrt.Agent.Tests.Infrastructure;
using Ogrt.Protocol;

namespace Ogrt.Agent.Tests.Capture;

/// <summary>
/// shared_objects as upstream reports them: real paths (the loader's name kept in loader_name
/// when it differs), without the program or the vDSO, resolved as the tracked process sees its
/// files. Real programs linked against a library named through a symbolic link chain in a
/// directory reached through a symbolic link, and a watermarked one found as ./libstamped.so.
/// </summary>
[NonParallelizable]
[TestFixture(CapturePath.Fork)]
[TestFixture(CapturePath.Service)]
public class SharedObjectPathTests(CapturePath path)
{
    private const string ProgramUuid = "5e4d3c2b-0000-4000-8000-555566667777";
    private const string StampedUuid = "6f5e4d3c-0000-4000-8000-888899990000";

    /// <summary>The service reuses a resolved path for this long (CaptureService.RealPathLifetime).</summary>
    private static readonly TimeSpan ServiceCacheLifetime = TimeSpan.FromSeconds(1);

    private static string Watermark(string uuid) => $$"""
        #include <stdint.h>
        struct ogrt_note { uint32_t namesz, descsz, type; char name[8]; char desc[40]; };
        __attribute__((section(".note.ogrt.info"), aligned(4), used))
        static const struct ogrt_note ogrt_watermark = { 5, 38, 0x4F475254, "OGRT", "\x01" "{{uuid}}" };
        """;

    /// <summary>
    /// root/real/libx.so.1.2.3 (soname libx.so.1) with libx.so.1 -> libx.so.1.2.3, reached as
    /// root/link/libx.so.1 (link -> real); root/run/libstamped.so, found through the relative
    /// run path "." from root/run; root/alt: another libx.so.1 -> libx.so.1.9.9.
    /// </summary>
    private sealed record Layout(string Root, string Program)
    {
        public string Real => Path.Combine(Root, "real");
        public string Alternative => Path.Combine(Root, "alt");
        public string Run => Path.Combine(Root, "run");
        public string LoaderNameOfX => Path.Combine(Root, "link", "libx.so.1");
    }

    private static async Task<Layout> BuildAsync()
    {
        string root = TestScratch.CreateDirectory("so-paths");
        string libx = await CCompiler.CompileSharedLibraryAsync("int so_paths_x(void) { return 40; }\n", "libx", "-Wl,-soname,libx.so.1");
        string stamped = await CCompiler.CompileSharedLibraryAsync(Watermark(StampedUuid) + "\nint so_paths_stamped(void) { return 2; }\n", "libstamped");
        foreach (string directory in new[] { "real", "alt", "run" })
            Directory.CreateDirectory(Path.Combine(root, directory));
        File.Copy(libx, Path.Combine(root, "real", "libx.so.1.2.3"));
        File.Copy(libx, Path.Combine(root, "real", "libx.so.1.9.9"));
        File.Copy(libx, Path.Combine(root, "alt", "libx.so.1.9.9"));
        File.CreateSymbolicLink(Path.Combine(root, "real", "libx.so.1"), "libx.so.1.2.3");
        File.CreateSymbolicLink(Path.Combine(root, "real", "libx.so"), "libx.so.1");
        File.CreateSymbolicLink(Path.Combine(root, "alt", "libx.so.1"), "libx.so.1.9.9");
        Directory.CreateSymbolicLink(Path.Combine(root, "link"), "real");
        File.Copy(stamped, Path.Combine(root, "run", "libstamped.so"));
        string program = await CCompiler.CompileProgramAsync(
            Watermark(ProgramUuid) + """

            #include <stdio.h>
            int so_paths_x(void);
            int so_paths_stamped(void);
            int main(void) { printf("%d\n", so_paths_x() + so_paths_stamped()); return 0; }
            """,
            "sopaths",
            "-L" + Path.Combine(root, "real"), "-lx", "-L" + Path.Combine(root, "run"), "-lstamped",
            $"-Wl,-rpath,{Path.Combine(root, "link")}:.");
        return new Layout(root, program);
    }

    private static async Task<ProcessInfo> RunTrackedAsync(ProcessInfoListener collector, Layout layout, string program, params string[] arguments)
    {
        // Only the test program is tracked, not unshare, sh or mount around it.
        var result = await AgentProcess.RunAsync(program, arguments, collector,
            new Dictionary<string, string?> { ["OGRT_FILTER"] = $"+{layout.Program}:-*" }, layout.Run);
        Assert.That(result.Stdout, Is.EqualTo("42\n"), result.ToString());
        return await collector.WaitForPidAsync(result.Pid);
    }

    private static SharedObject? ObjectNamed(ProcessInfo info, string loaderName) =>
        info.SharedObjects.SingleOrDefault(so => so.LoaderName == loaderName);

    [Test]
    public async Task ObjectsAreRealPathsWithTheLoaderNameWhenItDiffers_WithoutTheProgramOrTheVdso()
    {
        var layout = await BuildAsync();
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);

        var info = await RunTrackedAsync(collector, layout, layout.Program);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(info.Binpath, Is.EqualTo(layout.Program));
            Assert.That(info.Signature, Is.EqualTo(ProgramUuid), "the program's watermark stays the record's signature");
            Assert.That(info.SharedObjects, Has.One.EqualTo(new SharedObject
            {
                Path = Path.Combine(layout.Real, "libx.so.1.2.3"),
                LoaderName = layout.LoaderNameOfX,
            }), "through a symbolic link chain and a linked directory");
            Assert.That(info.SharedObjects, Has.One.EqualTo(new SharedObject
            {
                Path = Path.Combine(layout.Run, "libstamped.so"),
                LoaderName = "./libstamped.so",
                Signature = StampedUuid,
            }), "a name relative to the working directory");
            Assert.That(info.SharedObjects.Select(so => so.Path), Has.None.EqualTo(layout.Program), "the program is binpath, not a shared object");
            Assert.That(info.SharedObjects.Select(so => so.LoaderName), Has.None.Contains("vdso"));
            Assert.That(info.SharedObjects.Select(so => so.Path), Has.All.StartsWith("/"));
            // Every object, libc and the loader included: the real path of what the loader named,
            // and loader_name only when that differs.
            foreach (var so in info.SharedObjects)
            {
                string named = so.HasLoaderName ? so.LoaderName : so.Path;
                Assert.That(so.Path, Is.EqualTo(RealPath(named, layout.Run)), named);
                Assert.That(so.HasLoaderName ? so.LoaderName : null, Is.Not.EqualTo(so.Path), named);
            }
        }
    }

    [Test]
    public async Task AProcessInAMountNamespaceOfItsOwnGetsPathsAsItSeesThem()
    {
        var layout = await BuildAsync();
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);
        // First as the host sees it, so that the service has cached real/libx.so.1 -> libx.so.1.2.3.
        var host = await RunTrackedAsync(collector, layout, layout.Program);

        // Then with alt/ mounted over real/ in a mount namespace of the process's own: the same
        // root directory, the same name, another file (libx.so.1.9.9 exists in real/ for it only).
        // A sleeping member keeps the namespace alive, as a container's other processes do: the
        // service resolves after the message arrives, and the mounts of a namespace that has
        // ended by then are gone (docs/agent-capture.md).
        string keeper = Path.Combine(layout.Root, "keeper.pid");
        ProcessInfo own;
        try
        {
            own = await RunTrackedAsync(collector, layout, "unshare", "--mount", "sh", "-c",
                "mount --bind \"$1\" \"$2\" && { sleep 600 </dev/null >/dev/null 2>&1 & echo $! >\"$4\"; } && exec \"$3\"",
                "sh", layout.Alternative, layout.Real, layout.Program, keeper);
        }
        finally
        {
            if (File.Exists(keeper))
                ProcessSignal.Send(int.Parse(File.ReadAllText(keeper).Trim(), System.Globalization.CultureInfo.InvariantCulture), "TERM");
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ObjectNamed(host, layout.LoaderNameOfX)?.Path, Is.EqualTo(Path.Combine(layout.Real, "libx.so.1.2.3")));
            Assert.That(ObjectNamed(own, layout.LoaderNameOfX)?.Path, Is.EqualTo(Path.Combine(layout.Real, "libx.so.1.9.9")));
            Assert.That(own.Binpath, Is.EqualTo(layout.Program));
        }
    }

    [Test]
    public async Task AChrootedProcessGetsPathsInItsRootWhereAbsoluteLinksStartAtThatRoot()
    {
        var layout = await BuildAsync();
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);
        string agent = Path.GetDirectoryName(await AgentBuild.GetGateLibraryAsync())!;
        string socket = collector.AgentVariables.TryGetValue("OGRT_AGENT_SOCKET", out string? value) ? Path.GetDirectoryName(value)! : "";
        string root = Path.Combine(layout.Root, "chroot");
        const string System = "/lib/x86_64-linux-gnu";
        // A root of its own: the libraries the program, the gate and the capture need (the
        // capture library, linked for glibc 2.28, names libpthread, libdl and librt), the
        // loader named through an absolute link (as on Debian), libx.so.1 -> /opt/x/libx.so.1.2.3
        // (absolute; /opt/x does not exist in the host's root); the agent, the service's socket
        // directory and /proc bound in.
        const string Script = """
            set -e
            R=$1 REAL=$2 RUN=$3 PROGRAM=$4 AGENT=$5 SOCKET=$6 SYSTEM=$7
            mkdir -p "$R/lib64" "$R$SYSTEM" "$R/opt/x" "$R/opt/ogrt/lib" "$R/proc" "$R/run/ogrt"
            for lib in libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 ld-linux-x86-64.so.2; do cp -L "$SYSTEM/$lib" "$R$SYSTEM/$lib"; done
            ln -s "$SYSTEM/ld-linux-x86-64.so.2" "$R/lib64/ld-linux-x86-64.so.2"
            cp "$REAL/libx.so.1.2.3" "$R/opt/x/" && ln -s /opt/x/libx.so.1.2.3 "$R/opt/x/libx.so.1"
            cp "$RUN/libstamped.so" "$R/" && cp "$PROGRAM" "$R/prog"
            exec unshare --mount sh -c '
                mount --bind /proc "$1/proc" && mount --bind "$2" "$1/opt/ogrt/lib"
                if [ -n "$3" ]; then mount --bind "$3" "$1/run/ogrt"; fi
                exec chroot "$1" /prog' sh "$R" "$AGENT" "$SOCKET"
            """;
        var environment = new Dictionary<string, string?>
        {
            ["LD_PRELOAD"] = "/opt/ogrt/lib/libogrt.so",
            ["LD_LIBRARY_PATH"] = "/opt/x",
            ["OGRT_FILTER"] = "+/prog:-*",
        };
        if (socket.Length > 0)
            environment["OGRT_AGENT_SOCKET"] = "/run/ogrt/agent.sock";

        var result = await AgentProcess.RunAsync("bash", ["-c", Script, "bash", root, layout.Real, layout.Run, layout.Program, agent, socket, System],
            collector, environment);

        Assert.That(result.Stdout, Is.EqualTo("42\n"), result.ToString());
        var info = await collector.WaitForPidAsync(result.Pid);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(info.Binpath, Is.EqualTo("/prog"));
            Assert.That(ObjectNamed(info, "/opt/x/libx.so.1")?.Path, Is.EqualTo("/opt/x/libx.so.1.2.3"));
            Assert.That(ObjectNamed(info, "/lib64/ld-linux-x86-64.so.2")?.Path, Is.EqualTo($"{System}/ld-linux-x86-64.so.2"));
            Assert.That(ObjectNamed(info, "./libstamped.so")?.Path, Is.EqualTo("/libstamped.so"));
            Assert.That(info.SharedObjects, Has.One.EqualTo(new SharedObject { Path = $"{System}/libc.so.6" }), "no link, no loader_name");
        }
    }

    [Test]
    public async Task ALinkRetargetedAfterARunIsSeenByTheForkPathAtOnceAndByTheServiceAfterItsCacheLifetime()
    {
        var layout = await BuildAsync();
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);
        var before = await RunTrackedAsync(collector, layout, layout.Program);

        // As a package upgrade does: the name now points at the new version, the old file stays.
        string link = Path.Combine(layout.Real, "libx.so.1");
        File.Delete(link);
        File.CreateSymbolicLink(link, "libx.so.1.9.9");
        if (path == CapturePath.Service)
            await Task.Delay(ServiceCacheLifetime + TimeSpan.FromMilliseconds(200));
        var after = await RunTrackedAsync(collector, layout, layout.Program);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ObjectNamed(before, layout.LoaderNameOfX)?.Path, Is.EqualTo(Path.Combine(layout.Real, "libx.so.1.2.3")));
            Assert.That(ObjectNamed(after, layout.LoaderNameOfX)?.Path, Is.EqualTo(Path.Combine(layout.Real, "libx.so.1.9.9")));
        }
    }

    /// <summary>realpath(3) of <paramref name="name"/>, relative names from <paramref name="directory"/>.</summary>
    private static unsafe string RealPath(string name, string directory)
    {
        byte[] path = Encoding.UTF8.GetBytes(Path.Combine(directory, name) + "\0");
        byte* resolved = stackalloc byte[Libc.PathMax];
        fixed (byte* start = path)
        {
            if (Libc.realpath(start, resolved) is null)
                return $"(realpath failed for {name})";
        }
        return Marshal.PtrToStringUTF8((nint)resolved)!;
    }
}
