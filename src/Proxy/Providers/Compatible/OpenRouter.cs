using LlmProxy.Providers.OpenAI;

namespace LlmProxy.Providers.Compatible;

/// <summary>
/// OpenRouter (https://openrouter.ai/docs/api-reference/overview): <c>https://openrouter.ai/api/v1</c>, Bearer
/// <c>OPENROUTER_API_KEY</c>; <c>max_tokens</c>; thinking comes as <c>reasoning</c>.
/// </summary>
internal static class OpenRouter
{
    public static readonly OpenAICompatible Service = new("https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", KeyRequired: true,
        new OpenAIHost(TakesMaxCompletionTokens: false));
}
