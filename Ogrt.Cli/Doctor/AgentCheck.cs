using Ogrt.Cli.Interop;

namespace Ogrt.Cli.Doctor;

/// <summary>
/// Is the agent preloaded and switched on: LD_PRELOAD names a readable libogrt.so with the
/// capture library next to it, and OGRT_ACTIVE is 1.
/// </summary>
internal static class AgentCheck
{
    private const string GateName = "libogrt.so";
    private const string CaptureName = "ogrt-capture.so";
    private const uint OtherRead = 0x4;   // S_IROTH
    private static ReadOnlySpan<byte> ElfMagic => [0x7F, (byte)'E', (byte)'L', (byte)'F'];

    public static IEnumerable<CheckResult> Run(InstallLayout layout)
    {
        yield return CheckPreload(layout);
        yield return CheckActive();
    }

    private static CheckResult CheckPreload(InstallLayout layout)
    {
        const string subject = "LD_PRELOAD";
        string fix = $"module load ogrt, or: export LD_PRELOAD={layout.Agent}${{LD_PRELOAD:+:$LD_PRELOAD}}";
        string? preload = Environment.GetEnvironmentVariable("LD_PRELOAD");
        if (string.IsNullOrEmpty(preload))
            return CheckResult.Fail(subject, "not set: no process is tracked", fix);

        // ld.so separates LD_PRELOAD entries by colons or blanks.
        string[] agents = preload.Split([':', ' '], StringSplitOptions.RemoveEmptyEntries)
            .Where(entry => Path.GetFileName(entry) == GateName).ToArray();
        if (agents.Length == 0)
            return CheckResult.Fail(subject, $"'{preload}' does not name {GateName}", fix);
        if (agents.Length > 1)
            return CheckResult.Warn(subject, $"names {GateName} {agents.Length} times ({string.Join(", ", agents)}): every process is reported more than once", "module unload ogrt everywhere but once");

        string agent = agents[0];
        if (!agent.StartsWith('/'))
            return CheckResult.Fail(subject, $"'{agent}' is not an absolute path: the agent cannot find its capture library", fix);
        if (ReadProblem(agent) is { } agentProblem)
            return CheckResult.Fail(subject, $"the agent {agent} {agentProblem}", $"reinstall OGRT, or {fix}");
        string capture = Path.Join(Path.GetDirectoryName(agent), CaptureName);
        if (ReadProblem(capture) is { } captureProblem)
            return CheckResult.Fail(subject, $"the capture library {capture} {captureProblem}: the agent can decide but not report", "reinstall OGRT: lib/ must hold both libraries");
        if (Path.GetFullPath(agent) != layout.Agent)
            return CheckResult.Warn(subject, $"{agent} is preloaded, but this ogrt belongs to {layout.Prefix}", "load the module of one installation only");
        return CheckResult.Ok(subject, $"{agent} (with {CaptureName})");
    }

    private static CheckResult CheckActive()
    {
        string? active = Environment.GetEnvironmentVariable("OGRT_ACTIVE");
        return active switch
        {
            "1" or "yes" or "true" => CheckResult.Ok("OGRT_ACTIVE", active),
            null => CheckResult.Fail("OGRT_ACTIVE", "not set: the preloaded agent stays idle", "module load ogrt, or: export OGRT_ACTIVE=1"),
            _ => CheckResult.Fail("OGRT_ACTIVE", $"'{active}': only 1, yes or true switch the agent on", "export OGRT_ACTIVE=1"),
        };
    }

    // Why a library cannot be loaded by every user, or null when it can.
    private static string? ReadProblem(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[4];
            if (file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) < magic.Length || !magic.SequenceEqual(ElfMagic))
                return "is not an ELF file";
            if (FileStatus.TryGet(path, out var status, out _) && (status.Mode & OtherRead) == 0)
                return "is not readable by other users, so their processes cannot preload it";
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot be read: {e.Message}";
        }
    }
}
