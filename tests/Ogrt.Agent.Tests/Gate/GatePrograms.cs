using Ogrt.Agent.Tests.Infrastructure;

namespace Ogrt.Agent.Tests.Gate;

/// <summary>The C programs in Gate/Programs (copied next to the test assembly), compiled on demand.</summary>
public static class GatePrograms
{
    /// <summary>Compiles Programs/<paramref name="name"/>.c into an executable in a fresh scratch directory.</summary>
    public static async Task<string> CompileAsync(string name, params string[] extraArguments) =>
        await CCompiler.CompileProgramAsync(await SourceAsync(name).ConfigureAwait(false), name, extraArguments).ConfigureAwait(false);

    /// <summary>Compiles Programs/<paramref name="name"/>.c into <paramref name="name"/>.so, with ogrt_capture.h on the include path.</summary>
    public static async Task<string> CompileCaptureLibraryAsync(string name) =>
        await CCompiler.CompileSharedLibraryAsync(
            await SourceAsync(name).ConfigureAwait(false),
            name,
            "-I" + Path.Combine(AgentBuild.RepositoryRoot, "Ogrt.Agent", "native")).ConfigureAwait(false);

    private static Task<string> SourceAsync(string name) =>
        File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Gate", "Programs", name + ".c"));
}
