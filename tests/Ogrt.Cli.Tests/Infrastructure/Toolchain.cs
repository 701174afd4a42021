namespace Ogrt.Cli.Tests.Infrastructure;

/// <summary>Runs gcc-family drivers and binutils, failing the test with their output on error.</summary>
public static class Toolchain
{
    public static ProcessResult MustSucceed(string program, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var result = ExternalProcess.Run(program, arguments, workingDirectory, environment);
        Assert.That(result.ExitCode, Is.Zero, $"{program} {string.Join(' ', arguments)} failed:\n{result}");
        return result;
    }

    /// <summary>True when gcc can find the static C library (package libc6-dev).</summary>
    public static bool HasStaticLibc()
    {
        var result = ExternalProcess.Run("gcc", ["-print-file-name=libc.a"]);
        return result.ExitCode == 0 && Path.IsPathRooted(result.Stdout.Trim()) && File.Exists(result.Stdout.Trim());
    }

    /// <summary>The first executable named <paramref name="name"/> on PATH (what a shell would run).</summary>
    public static string OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(directory => Path.Join(directory, name))
            .FirstOrDefault(File.Exists)
        ?? throw new AssertionException($"{name} not found on PATH");
}
