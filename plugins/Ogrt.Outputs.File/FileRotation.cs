namespace Ogrt.Outputs.File;

/// <summary>When the File output starts a new file (setting <c>Rotation</c>).</summary>
public enum FileRotation
{
    /// <summary>A new file every UTC day, and within a day whenever <c>MaxFileBytes</c> is reached.</summary>
    Daily,

    /// <summary>A new file whenever <c>MaxFileBytes</c> is reached, whatever the date.</summary>
    Size,

    /// <summary>One file, <c>&lt;FileName&gt;.jsonl</c>, that grows until something external rotates it.</summary>
    None,
}
