using Ogrt.Agent.Capture;

namespace Ogrt.Agent.Settings;

/// <summary>
/// The effective settings of one capture: the build defaults (<see cref="BuildDefaults"/>,
/// from the MSBuild properties Ogrt*) overridden by OGRT_* variables of the tracked process.
/// </summary>
internal ref struct CaptureSettings
{
    public ReadOnlySpan<byte> Collector;
    public ReadOnlySpan<byte> JobIdVariables;
    /// <summary>job_id when no job id variable is set; empty: no job_id.</summary>
    public ReadOnlySpan<byte> JobIdDefault;
    public ReadOnlySpan<byte> EnvironmentCapture;
    public bool SendUsername;
    public bool SendHostname;
    public bool SendCmdline;
    public bool SendModules;
    public bool Silent;

    public static CaptureSettings Read(EnvironmentBlock environment) => new()
    {
        Collector = ValueOrDefault(environment, "OGRT_COLLECTOR"u8, BuildDefaults.Collector),
        JobIdVariables = ValueOrDefault(environment, "OGRT_JOBID_VARS"u8, BuildDefaults.JobIdVariables),
        // Set but empty is a choice ("no job_id"), as for OGRT_ENV_CAPTURE.
        JobIdDefault = environment.TryGetValue("OGRT_JOBID_DEFAULT"u8, out var jobIdDefault) ? jobIdDefault : BuildDefaults.JobIdDefault,
        // Set but empty is a choice ("send nothing"), unlike the other settings.
        EnvironmentCapture = environment.TryGetValue("OGRT_ENV_CAPTURE"u8, out var capture) ? capture : BuildDefaults.EnvironmentCapture,
        SendUsername = Flag(environment, "OGRT_SEND_USERNAME"u8, BuildDefaults.SendUsername),
        SendHostname = Flag(environment, "OGRT_SEND_HOSTNAME"u8, BuildDefaults.SendHostname),
        SendCmdline = Flag(environment, "OGRT_SEND_CMDLINE"u8, BuildDefaults.SendCmdline),
        SendModules = Flag(environment, "OGRT_SEND_MODULES"u8, BuildDefaults.SendModules),
        Silent = Flag(environment, "OGRT_SILENT"u8, false),
    };

    /// <summary>The value of the first variable of the job id list that is set and non-empty, else <see cref="JobIdDefault"/>.</summary>
    public readonly ReadOnlySpan<byte> FindJobId(EnvironmentBlock environment)
    {
        foreach (var name in new SeparatedValues(JobIdVariables, (byte)','))
        {
            if (environment.TryGetValue(name, out var value) && !value.IsEmpty)
                return value;
        }
        return JobIdDefault;
    }

    private static ReadOnlySpan<byte> ValueOrDefault(EnvironmentBlock environment, ReadOnlySpan<byte> name, ReadOnlySpan<byte> fallback)
    {
        var value = environment.GetValue(name).Trim(" \t"u8);
        return value.IsEmpty ? fallback : value;
    }

    /// <summary>1/true/yes/on and 0/false/no/off (lower case); anything else keeps the default.</summary>
    public static bool ParseFlag(ReadOnlySpan<byte> text, bool fallback)
    {
        text = text.Trim(" \t"u8);
        if (text.SequenceEqual("1"u8) || text.SequenceEqual("true"u8) || text.SequenceEqual("yes"u8) || text.SequenceEqual("on"u8))
            return true;
        if (text.SequenceEqual("0"u8) || text.SequenceEqual("false"u8) || text.SequenceEqual("no"u8) || text.SequenceEqual("off"u8))
            return false;
        return fallback;
    }

    private static bool Flag(EnvironmentBlock environment, ReadOnlySpan<byte> name, bool fallback) =>
        ParseFlag(environment.GetValue(name), fallback);
}
