namespace LlmProxy.Canonical;

/// <summary>One turn of the conversation, as an ordered list of parts (text, images, tool calls, tool results, reasoning).</summary>
internal sealed record ChatMessage(ChatRole Role, IReadOnlyList<ContentPart> Parts);
