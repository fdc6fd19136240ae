namespace LlmProxy.Canonical;

/// <summary>Who speaks a turn. System text is not a turn: it lives on <see cref="ChatRequest.System"/>.</summary>
internal enum ChatRole
{
    User,
    Assistant,
    Tool,
}
