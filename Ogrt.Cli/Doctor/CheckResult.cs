namespace Ogrt.Cli.Doctor;

/// <summary>One line of the doctor's report: what was found and, when it is wrong, how to fix it.</summary>
internal sealed record CheckResult(CheckStatus Status, string Subject, string Finding, string? Fix = null)
{
    public static CheckResult Ok(string subject, string finding) => new(CheckStatus.Ok, subject, finding);

    public static CheckResult Warn(string subject, string finding, string? fix = null) => new(CheckStatus.Warn, subject, finding, fix);

    public static CheckResult Fail(string subject, string finding, string fix) => new(CheckStatus.Fail, subject, finding, fix);
}
