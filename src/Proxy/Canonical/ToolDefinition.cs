namespace LlmProxy.Canonical;

/// <summary>A function the model may call; <see cref="ParametersJson"/> is its JSON Schema as JSON text.</summary>
internal sealed record ToolDefinition(string Name, string? Description, string ParametersJson);
