namespace LlmProxy.Canonical;

/// <summary>What a tool returned for the call <see cref="ToolCallId"/>.</summary>
internal sealed record ToolResultPart(string ToolCallId, string Content, bool IsError) : ContentPart;
