namespace Ogrt.Cli.Elf;

/// <summary>The file is not an ELF file this tool can read; the message says why.</summary>
internal sealed class InvalidElfException(string message) : Exception(message);
