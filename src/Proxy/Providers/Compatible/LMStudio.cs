using LlmProxy.Providers.OpenAI;

namespace LlmProxy.Providers.Compatible;

/// <summary>LM Studio's local server (https://lmstudio.ai/docs/app/api/endpoints/openai): <c>http://localhost:1234/v1</c>, no key needed (<c>LM_STUDIO_API_KEY</c> if set); <c>max_tokens</c>.</summary>
internal static class LMStudio
{
    public static readonly OpenAICompatible Service = new("http://localhost:1234/v1", "LM_STUDIO_API_KEY", KeyRequired: false,
        new OpenAIHost(TakesMaxCompletionTokens: false));
}
