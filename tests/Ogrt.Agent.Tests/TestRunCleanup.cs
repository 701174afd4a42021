using Ogrt.Agent.Tests.Infrastructure;

namespace Ogrt.Agent.Tests;

/// <summary>
/// Setup fixture for every test under Ogrt.Agent.Tests (Capture included): deletes the
/// <see cref="TestScratch"/> root after the last test.
/// </summary>
[SetUpFixture]
public sealed class TestRunCleanup
{
    [OneTimeTearDown]
    public void DeleteScratch()
    {
        if (TestScratch.IsCreated)
            Directory.Delete(TestScratch.RootPath, recursive: true);
    }
}
