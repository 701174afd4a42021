using System.ComponentModel.DataAnnotations;

namespace Ogrt.Outputs.Sdk.Configuration;

/// <summary>
/// A check of one setting that reports the setting's full configuration key, as the operator
/// wrote it, e.g. <c>Outputs:Es:Workers: must be between 1 and 64 (got 0)</c>.
/// </summary>
/// <remarks>
/// The generated <c>[OptionsValidator]</c> validators name a member <c>&lt;name&gt;.&lt;Member&gt;</c>;
/// <see cref="SectionBinder"/> passes the section's path as the name, so the key is that
/// display name with its last dot made a colon.
/// </remarks>
[AttributeUsage(AttributeTargets.Property)]
public abstract class SettingAttribute : ValidationAttribute
{
    /// <summary>What is wrong with <paramref name="value"/>, or null when it is fine.</summary>
    protected abstract string? Check(object? value);

    protected sealed override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        string? problem = Check(value);
        // No member names: the message already names the key, and the options result
        // builder would otherwise prefix it with the bare property name.
        return problem is null ? ValidationResult.Success : new ValidationResult($"{KeyOf(validationContext.DisplayName)}: {problem}");
    }

    private static string KeyOf(string displayName)
    {
        int dot = displayName.LastIndexOf('.');
        return dot < 0 ? displayName : string.Concat(displayName.AsSpan(0, dot), ":", displayName.AsSpan(dot + 1));
    }
}
