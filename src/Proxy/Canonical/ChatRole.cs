namespace LlmProxy.Canonical;

internal enum ChatRole
{
    System,
    User,
    Assistant,
    Tool,
}
