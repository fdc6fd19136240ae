using LlmProxy.Providers.OpenAI;

namespace LlmProxy.Providers.Compatible;

/// <summary>Together AI (https://docs.together.ai/docs/openai-api-compatibility): <c>https://api.together.xyz/v1</c>, Bearer <c>TOGETHER_API_KEY</c>; <c>max_tokens</c>.</summary>
internal static class Together
{
    public static readonly OpenAICompatible Service = new("https://api.together.xyz/v1", "TOGETHER_API_KEY", KeyRequired: true,
        new OpenAIHost(TakesMaxCompletionTokens: false));
}
