using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.Shared;

/// <summary>A record the destination rejected for good, with the destination's reason.</summary>
internal sealed record DeadLetter(ProcessRecord Record, int Status, string ErrorType, string Reason);
