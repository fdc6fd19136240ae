using LlmProxy.Canonical;

namespace LlmProxy.Wire.Anthropic;

/// <summary>
/// The Messages API's rules for identifiers: a <c>tool_use.id</c> must match <c>^[a-zA-Z0-9_-]+$</c> (the API's own
/// 400 says so), a tool name <c>^[a-zA-Z0-9_-]{1,64}$</c> (the docs now allow 128; 64 is what older API versions
/// enforced, and what OpenAI allows, so names conformed here fit both).
/// </summary>
internal static class AnthropicIdentifiers
{
    public static readonly IdentifierRule ToolUseIds = new(IdentifierRule.WordCharacters, int.MaxValue);

    public static readonly IdentifierRule ToolNames = new(IdentifierRule.WordCharacters, 64);
}
