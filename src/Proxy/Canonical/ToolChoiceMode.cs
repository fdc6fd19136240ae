namespace LlmProxy.Canonical;

internal enum ToolChoiceMode
{
    Auto,
    None,
    Required,
    Named,
}
