namespace Ogrt.Agent.Tests.Infrastructure;

/// <summary>
/// Runs a program under the agent: LD_PRELOAD=libogrt.so, OGRT_ACTIVE=1 and, when a
/// listener is given, OGRT_COLLECTOR pointing at it; then <paramref name="environment"/> is
/// applied on top (a null value removes a variable, e.g. ["OGRT_ACTIVE"] = null).
/// Returns pid, exit code, stdout and stderr (see <see cref="ExternalCommand"/>).
/// Usage: <c>var result = await AgentProcess.RunAsync("/bin/bash", ["-c", "ls"], collector);</c>
/// </summary>
public static class AgentProcess
{
    public static async Task<ProcessResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        ProcessInfoListener? collector,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null)
    {
        var variables = await EnvironmentForAsync(collector).ConfigureAwait(false);
        if (environment is not null)
        {
            foreach ((string name, string? value) in environment)
                variables[name] = value;
        }
        return await ExternalCommand.RunAsync(program, arguments, variables, workingDirectory).ConfigureAwait(false);
    }

    /// <summary>The agent variables alone, for tests that start processes their own way.</summary>
    public static async Task<Dictionary<string, string?>> EnvironmentForAsync(ProcessInfoListener? collector)
    {
        var variables = new Dictionary<string, string?>
        {
            ["LD_PRELOAD"] = await AgentBuild.GetGateLibraryAsync().ConfigureAwait(false),
            ["OGRT_ACTIVE"] = "1",
        };
        if (collector is not null)
        {
            variables["OGRT_COLLECTOR"] = collector.CollectorAddress;
            foreach ((string name, string value) in collector.AgentVariables)
                variables[name] = value;
        }
        return variables;
    }
}
