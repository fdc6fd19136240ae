namespace LlmProxy.Canonical;

/// <summary>The shape the answer's text must take; for <see cref="ResponseFormatKind.JsonSchema"/>, its name and schema.</summary>
internal sealed record ResponseFormat(ResponseFormatKind Kind, string? Name = null, string? SchemaJson = null);
