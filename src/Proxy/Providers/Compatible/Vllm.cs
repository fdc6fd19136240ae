using LlmProxy.Providers.OpenAI;

namespace LlmProxy.Providers.Compatible;

/// <summary>
/// vLLM's OpenAI-compatible server (https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html):
/// <c>http://localhost:8000/v1</c>, a key only when the server was started with one (<c>VLLM_API_KEY</c>, as
/// <c>vllm serve</c> reads it); <c>max_tokens</c>; a reasoning parser's output comes as <c>reasoning_content</c>.
/// </summary>
internal static class Vllm
{
    public static readonly OpenAICompatible Service = new("http://localhost:8000/v1", "VLLM_API_KEY", KeyRequired: false,
        new OpenAIHost(TakesMaxCompletionTokens: false));
}
