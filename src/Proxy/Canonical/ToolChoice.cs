namespace LlmProxy.Canonical;

/// <summary>Whether the model must, may or must not call tools; <see cref="Name"/> for <see cref="ToolChoiceMode.Named"/>.</summary>
internal sealed record ToolChoice(ToolChoiceMode Mode, string? Name = null);
