namespace Ogrt.Cli.Tests.Infrastructure;

/// <summary>Runs the `ogrt` CLI: the JIT build (fast to get) or the NativeAOT binary.</summary>
public static class OgrtCli
{
    public static ProcessResult Run(params string[] arguments) => Run(arguments, environment: null);

    public static ProcessResult Run(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment) =>
        ExternalProcess.Run("dotnet", [RepositoryLayout.CliAssembly, .. arguments], environment: environment);

    public static ProcessResult RunNative(params string[] arguments) =>
        ExternalProcess.Run(NativeOgrt.Path, arguments);
}
