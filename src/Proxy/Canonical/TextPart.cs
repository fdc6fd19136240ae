namespace LlmProxy.Canonical;

internal sealed record TextPart(string Text) : ContentPart;
