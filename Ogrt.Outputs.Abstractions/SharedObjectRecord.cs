namespace Ogrt.Outputs.Abstractions;

/// <summary>A shared object loaded by the tracked process and its OGRT watermark, if any.</summary>
public sealed record SharedObjectRecord(string Path, string? Signature);
