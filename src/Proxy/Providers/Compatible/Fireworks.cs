using LlmProxy.Providers.OpenAI;

namespace LlmProxy.Providers.Compatible;

/// <summary>Fireworks AI (https://docs.fireworks.ai/tools-sdks/openai-compatibility): <c>https://api.fireworks.ai/inference/v1</c>, Bearer <c>FIREWORKS_API_KEY</c>; <c>max_tokens</c>.</summary>
internal static class Fireworks
{
    public static readonly OpenAICompatible Service = new("https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY", KeyRequired: true,
        new OpenAIHost(TakesMaxCompletionTokens: false));
}
