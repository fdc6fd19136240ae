using LlmProxy.Config;

namespace LlmProxy.Providers.OpenAI;

/// <summary>
/// A named OpenAI-compatible service (DeepSeek, Groq, Mistral, Ollama...): what its provider type means over
/// <see cref="OpenAIAdapter"/>, so that a user names the service and not its URL and quirks. The base URL is the config's
/// <c>baseUrl</c>, else the one for the config's <c>region</c> (<see cref="RegionBaseUrls"/>), else
/// <see cref="DefaultBaseUrl"/>; the key is the config's <c>apiKey</c>, else the service's usual environment variable.
/// </summary>
/// <param name="DefaultBaseUrl">Where the service's Chat Completions API lives, <c>/chat/completions</c> appended.</param>
/// <param name="KeyVariable">The environment variable its own SDKs and tools read the key from (DEEPSEEK_API_KEY...).</param>
/// <param name="KeyRequired">A cloud service needs a key; a local server (Ollama, vLLM, LM Studio) does not.</param>
/// <param name="Host">The fields it takes; see <see cref="OpenAIHost"/>.</param>
internal sealed record OpenAICompatible(string DefaultBaseUrl, string KeyVariable, bool KeyRequired, OpenAIHost Host)
{
    /// <summary>Base URLs by the config's <c>region</c> (DashScope's international and China endpoints); null: no regions.</summary>
    public IReadOnlyDictionary<string, string>? RegionBaseUrls { get; init; }

    /// <summary>The provider for <paramref name="config"/>; throws <see cref="ConfigException"/> for a missing key or an unknown region.</summary>
    public IProviderAdapter Create(ProviderConfig config, ProviderServices services) => Create(config, services, Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="Create(ProviderConfig, ProviderServices)"/>, reading the key variable through <paramref name="environment"/>.</summary>
    public IProviderAdapter Create(ProviderConfig config, ProviderServices services, Func<string, string?> environment)
    {
        var baseUrl = config.BaseUrl ?? new Uri(config.Region is { } region && RegionBaseUrls is not null
            ? RegionBaseUrls.TryGetValue(region, out var regional) ? regional
                : throw new ConfigException(config.FieldPath("region"), $"'{region}' is not a region of type '{config.Type}' ({string.Join(", ", RegionBaseUrls.Keys)})")
            : DefaultBaseUrl);
        var apiKey = string.IsNullOrEmpty(config.ApiKey) ? environment(KeyVariable) : config.ApiKey;
        if (KeyRequired && string.IsNullOrEmpty(apiKey))
        {
            throw new ConfigException(config.FieldPath("apiKey"), $"required for type '{config.Type}' (or {KeyVariable} in the environment)");
        }
        return OpenAIAdapter.Create(config with { ApiKey = apiKey }, baseUrl, Host, services);
    }
}
