namespace Ogrt.Cli.Doctor;

/// <summary>How a doctor check came out; only <see cref="Fail"/> makes `ogrt doctor` exit 1.</summary>
internal enum CheckStatus
{
    Ok,
    Warn,
    Fail,
}
