namespace Ogrt.Outputs.Abstractions;

/// <summary>An environment module (Environment Modules or Lmod) loaded when the process started.</summary>
public sealed record ModuleRecord(string Name);
