namespace Ogrt.Outputs.Sdk.Http;

/// <summary>Where and how patiently an <see cref="HttpBatchSender"/> sends.</summary>
/// <param name="Nodes">Base URLs of the destination's nodes, tried round-robin.</param>
/// <param name="AttemptTimeout">How long one request to one node may take, response body included.</param>
/// <param name="BreakDuration">
/// How long a node sits out once its circuit broke (at least half of its recent requests failed,
/// two at least); zero never takes a node out. Polly's minimum, 0.5 s, applies otherwise.
/// </param>
public sealed record HttpSenderOptions(IReadOnlyList<Uri> Nodes, TimeSpan AttemptTimeout, TimeSpan BreakDuration);
