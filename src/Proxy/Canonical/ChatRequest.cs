namespace LlmProxy.Canonical;

/// <summary>A chat request as the gateway understands it, whatever dialect the client spoke.</summary>
internal sealed record ChatRequest(IReadOnlyList<ChatMessage> Messages, int? MaxTokens);
