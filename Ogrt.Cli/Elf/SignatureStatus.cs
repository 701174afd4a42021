namespace Ogrt.Cli.Elf;

internal enum SignatureStatus
{
    /// <summary>The file is an ELF file with an OGRT note.</summary>
    Found,

    /// <summary>The file is a readable ELF file without an OGRT note.</summary>
    NotFound,

    /// <summary>The file could not be read, is not ELF, is truncated or is an unsupported ELF variant.</summary>
    Unreadable,
}
