using Ogrt.Agent.Settings;
using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Capture;

/// <summary>
/// The record fields that the capture settings choose from the process's own data (job id,
/// arguments, modules, environment), filled the same way on both capture paths: the capture
/// process and the node capture service.
/// </summary>
internal static unsafe class SettingsFields
{
    public static void Fill(ref ProcessSnapshot snapshot, in CaptureSettings settings, EnvironmentBlock environment,
        byte** arguments, int argumentCount)
    {
        snapshot.JobId = settings.FindJobId(environment);
        snapshot.Arguments = settings.SendCmdline && arguments is not null
            ? NativeTextList.FromArray(arguments, argumentCount)
            : null;
        snapshot.LoadedModules = settings.SendModules
            ? NativeTextList.FromSeparated(environment.GetValue("LOADEDMODULES"u8), (byte)':')
            : null;
        var selected = new NativeTextList(16);
        environment.Select(new EnvironmentCaptureFilter(settings.EnvironmentCapture), selected);
        snapshot.Environment = selected;
    }
}
