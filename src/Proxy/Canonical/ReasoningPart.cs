namespace LlmProxy.Canonical;

/// <summary>The model's visible reasoning from an earlier turn, with the provider's signature when it gave one.</summary>
internal sealed record ReasoningPart(string Text, string? Signature) : ContentPart;
