using System.Globalization;
using Ogrt.Cli.Elf;
using Ogrt.Cli.Interop;
using Ogrt.Protocol;

namespace Ogrt.Cli.SendTest;

/// <summary>
/// A ProcessInfo describing the running `ogrt` process itself, filled like the agent fills it
/// for a tracked process. The environment is deliberately left out: a connectivity check
/// should not ship the operator's environment to the collector.
/// </summary>
internal static class OwnProcessRecord
{
    // Batch systems' job id variables, in the order they are tried.
    private static readonly string[] JobIdVariables = ["SLURM_JOB_ID", "PBS_JOBID", "LSB_JOBID", "JOB_ID"];

    public static ProcessInfo Capture()
    {
        var now = DateTimeOffset.UtcNow;
        string binary = Environment.ProcessPath ?? "/proc/self/exe";
        string[] arguments = Environment.GetCommandLineArgs();
        var info = new ProcessInfo
        {
            Binpath = binary,
            Pid = Environment.ProcessId,
            ParentPid = LibC.GetParentProcessId(),
            Time = now.ToUnixTimeSeconds(),
            TimeUs = (now - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond,
            Username = Environment.UserName,
            Hostname = Environment.MachineName,
            Cmdline = string.Join(' ', arguments),
            Uid = LibC.GetUserId(),
            Gid = LibC.GetGroupId(),
            Cwd = Environment.CurrentDirectory,
            AgentVersion = "ogrt send-test " + typeof(OwnProcessRecord).Assembly.GetName().Version?.ToString(3),
        };
        info.Arguments.AddRange(arguments);

        var signature = new ElfSignatureReader().Read(binary);
        if (signature.Status == SignatureStatus.Found)
            info.Signature = signature.Signature;
        if (JobIdVariables.Select(Environment.GetEnvironmentVariable).FirstOrDefault(v => !string.IsNullOrEmpty(v)) is { } jobId)
            info.JobId = jobId;
        string? modules = Environment.GetEnvironmentVariable("LOADEDMODULES");
        if (!string.IsNullOrEmpty(modules))
            info.LoadedModules.AddRange(modules.Split(':', StringSplitOptions.RemoveEmptyEntries).Select(name => new Module { Name = name }));
        return info;
    }

    /// <summary>A readable summary of what was sent, one field per line.</summary>
    public static IEnumerable<string> Describe(ProcessInfo info)
    {
        yield return $"  binpath:    {info.Binpath}";
        yield return $"  pid:        {info.Pid} (parent {info.ParentPid})";
        yield return $"  time:       {info.Time} ({DateTimeOffset.FromUnixTimeSeconds(info.Time).ToString("u", CultureInfo.InvariantCulture)})";
        yield return $"  user:       {info.Username} (uid {info.Uid}, gid {info.Gid})";
        yield return $"  hostname:   {info.Hostname}";
        yield return $"  cmdline:    {info.Cmdline}";
        yield return $"  signature:  {(info.HasSignature ? info.Signature : "(none)")}";
        yield return $"  job_id:     {(info.HasJobId ? info.JobId : "(none)")}";
        yield return $"  modules:    {(info.LoadedModules.Count > 0 ? string.Join(", ", info.LoadedModules.Select(m => m.Name)) : "(none)")}";
    }
}
