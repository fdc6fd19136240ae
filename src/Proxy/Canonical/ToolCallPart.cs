namespace LlmProxy.Canonical;

/// <summary>A tool call the assistant made; <see cref="ArgumentsJson"/> is the arguments object as JSON text.</summary>
internal sealed record ToolCallPart(string Id, string Name, string ArgumentsJson) : ContentPart;
