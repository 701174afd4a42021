namespace Ogrt.Cli.Elf;

/// <summary>What <see cref="ElfSignatureReader"/> found in one file.</summary>
/// <param name="Signature">The UUID text (non-printable bytes escaped) when found.</param>
/// <param name="Error">Why the file could not be examined, when unreadable.</param>
internal readonly record struct SignatureResult(SignatureStatus Status, string? Signature = null, string? Error = null)
{
    public static SignatureResult NotFound => new(SignatureStatus.NotFound);

    public static SignatureResult Unreadable(string error) => new(SignatureStatus.Unreadable, Error: error);
}
