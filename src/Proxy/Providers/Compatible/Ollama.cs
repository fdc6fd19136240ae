using LlmProxy.Providers.OpenAI;

namespace LlmProxy.Providers.Compatible;

/// <summary>
/// Ollama's OpenAI-compatible API (https://docs.ollama.com/api/openai-compatibility): <c>http://localhost:11434/v1</c>,
/// no key needed (<c>OLLAMA_API_KEY</c> when a proxy in front wants one); <c>max_tokens</c>; thinking comes as <c>reasoning</c>.
/// </summary>
internal static class Ollama
{
    public static readonly OpenAICompatible Service = new("http://localhost:11434/v1", "OLLAMA_API_KEY", KeyRequired: false,
        new OpenAIHost(TakesMaxCompletionTokens: false));
}
