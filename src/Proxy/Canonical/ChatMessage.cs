namespace LlmProxy.Canonical;

/// <summary>One turn of the conversation; <see cref="Text"/> joins the turn's text parts.</summary>
internal sealed record ChatMessage(ChatRole Role, string Text);
