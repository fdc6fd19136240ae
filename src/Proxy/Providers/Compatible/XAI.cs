using LlmProxy.Providers.OpenAI;

namespace LlmProxy.Providers.Compatible;

/// <summary>
/// xAI's Grok (https://docs.x.ai/docs/api-reference): <c>https://api.x.ai/v1</c>, Bearer <c>XAI_API_KEY</c>;
/// <c>max_completion_tokens</c>; grok-3-mini's thinking comes as <c>reasoning_content</c>.
/// </summary>
internal static class XAI
{
    public static readonly OpenAICompatible Service = new("https://api.x.ai/v1", "XAI_API_KEY", KeyRequired: true,
        new OpenAIHost(TakesMaxCompletionTokens: true));
}
