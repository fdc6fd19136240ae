using LlmProxy.Providers.OpenAI;

namespace LlmProxy.Providers.Compatible;

/// <summary>
/// Groq (https://console.groq.com/docs/openai): <c>https://api.groq.com/openai/v1</c>, Bearer <c>GROQ_API_KEY</c>;
/// the answer limit is <c>max_completion_tokens</c> (<c>max_tokens</c> is deprecated there); reasoning models' thinking
/// comes as <c>reasoning</c>. No embeddings and no legacy completions (translated to chat).
/// </summary>
internal static class Groq
{
    public static readonly OpenAICompatible Service = new("https://api.groq.com/openai/v1", "GROQ_API_KEY", KeyRequired: true,
        new OpenAIHost(TakesMaxCompletionTokens: true, HasEmbeddings: false, HasCompletions: false));
}
