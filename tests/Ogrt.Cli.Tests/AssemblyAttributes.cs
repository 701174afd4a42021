using System.Runtime.Versioning;

// The wrapper and the toolchain under test exist on Linux only.
[assembly: SupportedOSPlatform("linux")]
