using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.Sdk.DeadLetters;

/// <summary>A record the destination rejected for good, with the destination's reason.</summary>
public sealed record DeadLetter(ProcessRecord Record, int Status, string ErrorType, string Reason);
