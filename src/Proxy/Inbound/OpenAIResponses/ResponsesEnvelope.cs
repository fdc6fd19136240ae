namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>What the envelope pass learns of a Responses request beyond the shared envelope: whether to store it, what it continues, whether it runs in the background.</summary>
internal readonly record struct ResponsesEnvelope(bool Store, string? PreviousResponseId, bool Background);
