namespace Ogrt.Outputs.TestSupport;

/// <summary>A fresh directory under the system temp directory, deleted on dispose.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("ogrt-test-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
