using System.Runtime.InteropServices;
using System.Text;
using Ogrt.Cli.Elf;
using Ogrt.Cli.Interop;

namespace Ogrt.Cli.Linking;

/// <summary>
/// The watermarking linker wrapper. It finds the real linker, writes a fresh watermark object
/// into an anonymous memory file (memfd) and replaces itself with the real linker, appending
/// <c>/proc/self/fd/N</c> to the arguments. Because the wrapper execs rather than spawns, the
/// real linker's exit status, signals, stdout and stderr reach the caller untouched; because
/// the object lives in memory, no temporary file exists that could be left behind.
/// </summary>
internal static class LinkerWrapper
{
    /// <summary>Identities (device:inode) of OGRT wrappers already on this link's path,
    /// so stacked installations skip each other instead of recursing or double-signing.</summary>
    public const string ChainVariable = "OGRT_LD_WRAPPERS";

    private const int NotFoundExitCode = 127;      // as the shell reports a missing command
    private const int CannotExecuteExitCode = 126;

    public static int Run(string invokedAs)
    {
        string prefix = $"ogrt ({invokedAs} wrapper)";
        bool debug = Environment.GetEnvironmentVariable("OGRT_DEBUG_INFO") == "1";
        var arguments = OwnArguments();

        string? chain = Environment.GetEnvironmentVariable(ChainVariable);
        var wrappers = new HashSet<string>(string.IsNullOrEmpty(chain) ? [] : chain.Split(','));
        bool nested = wrappers.Count > 0;
        // Without knowing its own identity the wrapper could find and exec itself forever.
        if (!FileStatus.TryGet("/proc/self/exe", out var self, out int errno))
        {
            Console.Error.WriteLine($"{prefix}: cannot identify itself through /proc/self/exe: {Marshal.GetPInvokeErrorMessage(errno)}");
            return CannotExecuteExitCode;
        }
        wrappers.Add(self.Identity);

        string? realLinker = RealLinkerLocator.Find(invokedAs, wrappers,
            Environment.GetEnvironmentVariable("COMPILER_PATH"), Environment.GetEnvironmentVariable("PATH"));
        if (realLinker is null)
        {
            Console.Error.WriteLine($"{prefix}: cannot find the real '{invokedAs}' in COMPILER_PATH or PATH");
            return NotFoundExitCode;
        }

        var decision = WatermarkDecision.Decide(arguments.Select(a => Encoding.UTF8.GetString(a)).ToList(),
            Environment.GetEnvironmentVariable("OGRT_WATERMARK"), nested);
        if (decision.Warning is not null)
            Console.Error.WriteLine($"{prefix}: warning: {decision.Warning}");
        if (decision.Target is { } target)
            AppendWatermark(arguments, target, prefix, debug);
        if (debug)
            Console.Error.WriteLine($"{prefix}: running {realLinker}");

        LibC.SetEnv(ChainVariable, string.Join(',', wrappers), 1);
        errno = Exec(realLinker, arguments);
        Console.Error.WriteLine($"{prefix}: cannot execute {realLinker}: {Marshal.GetPInvokeErrorMessage(errno)}");
        return CannotExecuteExitCode;
    }

    /// <summary>Adds a fresh watermark object to the link, or warns and leaves the link unsigned.</summary>
    private static void AppendWatermark(List<byte[]> arguments, ElfTarget target, string prefix, bool debug)
    {
        string uuid = WatermarkUuid.NewRandom();
        int fd = CreateMemoryFile(WatermarkObjectWriter.Write(target, uuid));
        if (fd < 0)
        {
            Console.Error.WriteLine($"{prefix}: warning: cannot create the watermark object " +
                $"({Marshal.GetPInvokeErrorMessage(-fd)}); linking without an OGRT watermark");
            return;
        }
        arguments.Add(Encoding.ASCII.GetBytes($"/proc/self/fd/{fd}"));
        if (debug)
            Console.Error.WriteLine($"{prefix}: watermark {uuid} ({target.Name}) as /proc/self/fd/{fd}");
    }

    /// <summary>
    /// The arguments as the exact bytes the caller passed (file names need not be UTF-8),
    /// from /proc/self/cmdline; the runtime's decoded copy only if that is unavailable.
    /// </summary>
    private static List<byte[]> OwnArguments()
    {
        try
        {
            byte[] commandLine = File.ReadAllBytes("/proc/self/cmdline");
            var arguments = new List<byte[]>();
            int start = 0;
            for (int i = 0; i < commandLine.Length; i++)
            {
                if (commandLine[i] != 0)
                    continue;
                arguments.Add(commandLine[start..i]);
                start = i + 1;
            }
            return arguments.Skip(1).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Environment.GetCommandLineArgs().Skip(1).Select(Encoding.UTF8.GetBytes).ToList();
        }
    }

    /// <summary>A memfd holding the object, inheritable across exec; -errno on failure.</summary>
    private static unsafe int CreateMemoryFile(byte[] contents)
    {
        int fd = LibC.MemfdCreate("ogrt-watermark.o", 0);
        if (fd < 0)
            return -Marshal.GetLastPInvokeError();
        fixed (byte* data = contents)
        {
            nuint written = 0;
            while (written < (nuint)contents.Length)
            {
                nint result = LibC.Write(fd, data + written, (nuint)contents.Length - written);
                if (result < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == 4)   // EINTR
                        continue;
                    return -errno;
                }
                written += (nuint)result;
            }
        }
        return fd;
    }

    /// <summary>execv(2) with argv[0] set to the real linker's path, so its messages and its
    /// search for its own files read exactly as when collect2 runs it directly. Returns errno.</summary>
    private static unsafe int Exec(string path, List<byte[]> arguments)
    {
        byte* NullTerminated(byte[] bytes)
        {
            byte* copy = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
            bytes.CopyTo(new Span<byte>(copy, bytes.Length));
            copy[bytes.Length] = 0;
            return copy;
        }

        // The .NET runtime ignores SIGPIPE, and an ignored signal stays ignored across exec:
        // give the linker the default action it has when started without the wrapper.
        LibC.Signal(LibC.SignalPipe, LibC.DefaultAction);

        // Nothing is freed: on success the process image is replaced, on failure we exit.
        byte* file = NullTerminated(Encoding.UTF8.GetBytes(path));
        var argv = (byte**)NativeMemory.Alloc((nuint)(arguments.Count + 2), (nuint)sizeof(byte*));
        argv[0] = file;
        for (int i = 0; i < arguments.Count; i++)
            argv[i + 1] = NullTerminated(arguments[i]);
        argv[arguments.Count + 1] = null;
        LibC.Execv(file, argv);
        return Marshal.GetLastPInvokeError();
    }
}
