namespace Ogrt.Cli;

/// <summary>Exit codes shared by every verb (documented in docs/watermark.md).</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The verb ran but failed (or, for `signature`, some file had no signature).</summary>
    public const int Failure = 1;

    /// <summary>The command line could not be parsed.</summary>
    public const int Usage = 2;

    /// <summary>`signature`: some input was not a readable, supported ELF file.</summary>
    public const int Unreadable = 3;
}
