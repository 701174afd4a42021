namespace Ogrt.Agent.Tests.Infrastructure;

/// <summary>
/// Compiles C test programs and shared libraries with gcc into a fresh scratch directory
/// (outside the directories the site filter skips). Throws with gcc's output on failure.
/// Usage:
/// <code>
/// string lib = await CCompiler.CompileSharedLibraryAsync("int f(void){return 1;}", "libf");
/// string exe = await CCompiler.CompileProgramAsync(source, "prog",
///     "-L" + Path.GetDirectoryName(lib), "-lf", "-Wl,-rpath," + Path.GetDirectoryName(lib));
/// </code>
/// </summary>
public static class CCompiler
{
    /// <summary>Builds an executable; <paramref name="extraArguments"/> go after the source (e.g. -pthread, -l…).</summary>
    public static Task<string> CompileProgramAsync(string source, string name, params string[] extraArguments) =>
        CompileAsync(source, name, name, [], extraArguments);

    /// <summary>Builds lib<i>name</i>.so-style shared objects: the file is <paramref name="name"/>.so.</summary>
    public static Task<string> CompileSharedLibraryAsync(string source, string name, params string[] extraArguments) =>
        CompileAsync(source, name, name + ".so", ["-shared", "-fPIC"], extraArguments);

    private static async Task<string> CompileAsync(
        string source, string name, string outputName, string[] modeArguments, string[] extraArguments)
    {
        string directory = TestScratch.CreateDirectory("c-" + name);
        string sourcePath = Path.Combine(directory, name + ".c");
        string outputPath = Path.Combine(directory, outputName);
        await File.WriteAllTextAsync(sourcePath, source).ConfigureAwait(false);
        ProcessResult gcc = await ExternalCommand.RunAsync(
            "gcc",
            [.. modeArguments, "-std=gnu11", "-O1", "-Wall", "-o", outputPath, sourcePath, .. extraArguments]).ConfigureAwait(false);
        if (gcc.ExitCode != 0)
            throw new InvalidOperationException($"gcc failed for {name}:\n{gcc}");
        return outputPath;
    }
}
