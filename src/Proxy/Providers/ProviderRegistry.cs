using LlmProxy.Config;
using LlmProxy.Providers.Anthropic;
using LlmProxy.Providers.Azure;
using LlmProxy.Providers.Bedrock;
using LlmProxy.Providers.Compatible;
using LlmProxy.Providers.Gemini;
using LlmProxy.Providers.Mock;
using LlmProxy.Providers.OpenAI;

namespace LlmProxy.Providers;

/// <summary>
/// The provider types this build knows, as a static table (no reflection, no scanning): adding a provider is one
/// line here. Each factory validates the fields its type needs and throws <see cref="ConfigException"/>.
/// </summary>
internal static class ProviderRegistry
{
    private static readonly (string Type, Func<ProviderConfig, ProviderServices, IProviderAdapter> Create)[] Table =
    [
        ("openai", OpenAIAdapter.Create),
        ("azure", AzureAdapter.Create),
        ("anthropic", AnthropicAdapter.Create),
        ("gemini", GeminiAdapter.Create),
        ("bedrock", BedrockAdapter.Create),
        ("mock", MockAdapter.Create),
        ("deepseek", DeepSeek.Service.Create),
        ("dashscope", DashScope.Service.Create),
        ("groq", Groq.Service.Create),
        ("mistral", Mistral.Service.Create),
        ("openrouter", OpenRouter.Service.Create),
        ("xai", XAI.Service.Create),
        ("together", Together.Service.Create),
        ("fireworks", Fireworks.Service.Create),
        ("ollama", Ollama.Service.Create),
        ("vllm", Vllm.Service.Create),
        ("lmstudio", LMStudio.Service.Create),
    ];

    public static IEnumerable<string> Types => Table.Select(entry => entry.Type);

    public static IProviderAdapter Create(ProviderConfig config, ProviderServices services)
    {
        foreach (var (type, create) in Table)
        {
            if (type == config.Type)
            {
                return create(config, services);
            }
        }
        throw new ConfigException(config.FieldPath("type"), $"unknown provider type '{config.Type}' (this build supports: {string.Join(", ", Types)})");
    }
}
