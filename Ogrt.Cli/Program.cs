using Ogrt.Cli.Commands;
using Ogrt.Cli.Linking;

// Installed under a linker's name (PREFIX/libexec/ogrt/ld -> PREFIX/bin/ogrt), this binary is
// the watermarking linker wrapper; under any other name it is the `ogrt` tool.
string invokedAs = Path.GetFileName(Environment.GetCommandLineArgs()[0]);
return LinkerName.IsLinkerName(invokedAs)
    ? LinkerWrapper.Run(invokedAs)
    : CliRoot.Run(args);
