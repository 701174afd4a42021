// The agent is Linux-only (LD_PRELOAD, /proc, ELF), and so are its tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
