using LlmProxy.Providers.OpenAI;

namespace LlmProxy.Providers.Compatible;

/// <summary>
/// DeepSeek (https://api-docs.deepseek.com): <c>https://api.deepseek.com/chat/completions</c>, Bearer
/// <c>DEEPSEEK_API_KEY</c>; the answer limit is <c>max_tokens</c>; deepseek-reasoner's thinking comes as
/// <c>reasoning_content</c>, which Anthropic clients get as thinking and Responses clients as reasoning. No embeddings;
/// its completions (FIM) live under <c>/beta</c>, so a completions request is translated to chat.
/// </summary>
internal static class DeepSeek
{
    public static readonly OpenAICompatible Service = new("https://api.deepseek.com", "DEEPSEEK_API_KEY", KeyRequired: true,
        new OpenAIHost(TakesMaxCompletionTokens: false, HasEmbeddings: false, HasCompletions: false));
}
