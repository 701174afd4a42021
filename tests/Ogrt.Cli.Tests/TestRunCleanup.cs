using Ogrt.Agent.Tests.Infrastructure;
using Ogrt.Cli.Tests.Infrastructure;

namespace Ogrt.Cli.Tests;

/// <summary>
/// Removes what the whole test run shared: the published native `ogrt` and the scratch root of
/// the agent infrastructure (the published agent), which its own project's fixture cleans there.
/// </summary>
[SetUpFixture]
public sealed class TestRunCleanup
{
    [OneTimeTearDown]
    public void DeleteSharedBuilds()
    {
        NativeOgrt.Delete();
        if (TestScratch.IsCreated)
            Directory.Delete(TestScratch.RootPath, recursive: true);
    }
}
