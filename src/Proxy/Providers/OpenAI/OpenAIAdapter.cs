using LlmProxy.Canonical;
using LlmProxy.Config;

namespace LlmProxy.Providers.OpenAI;

/// <summary>
/// OpenAI and every OpenAI-compatible server (vLLM, Ollama, DeepSeek, Groq, Mistral...):
/// <c>{baseUrl}/chat/completions</c>, <c>{baseUrl}/embeddings</c>, <c>{baseUrl}/completions</c> (and <c>{baseUrl}/responses</c> where the server has it) with a Bearer key. The client's OpenAI body passes through; other dialects are translated.
/// </summary>
internal sealed class OpenAIAdapter : INativeWireProvider, ICanonicalChatProvider
{
    public static readonly Uri DefaultBaseUrl = new("https://api.openai.com/v1");

    private readonly string _chatCompletionsUrl;
    private readonly string _embeddingsUrl;
    private readonly string _completionsUrl;
    private readonly string? _responsesUrl;
    private readonly string? _compactUrl;
    private readonly string? _authorization;
    private readonly OpenAICanonicalChat _canonical;
    private readonly OpenAIHost _host;

    private OpenAIAdapter(ProviderConfig config, Uri baseUrl, OpenAIHost host, ProviderServices services)
    {
        Config = config;
        _host = host;
        _canonical = new OpenAICanonicalChat(this, services, host);
        _chatCompletionsUrl = ProviderUrl.Join(baseUrl, "/chat/completions");
        _embeddingsUrl = ProviderUrl.Join(baseUrl, "/embeddings");
        _completionsUrl = ProviderUrl.Join(baseUrl, "/completions");
        // Most OpenAI-compatible servers have no Responses API: only OpenAI itself is assumed to, unless the config says.
        _responsesUrl = (config.ResponsesApi ?? baseUrl.Host == DefaultBaseUrl.Host) ? ProviderUrl.Join(baseUrl, "/responses") : null;
        _compactUrl = _responsesUrl is null ? null : _responsesUrl + "/compact";
        _authorization = string.IsNullOrEmpty(config.ApiKey) ? null : "Bearer " + config.ApiKey;
    }

    public ProviderConfig Config { get; }

    public static IProviderAdapter Create(ProviderConfig config, ProviderServices services)
    {
        var baseUrl = config.BaseUrl ?? DefaultBaseUrl;
        // Local servers (Ollama, vLLM) need no key; OpenAI itself always does.
        if (string.IsNullOrEmpty(config.ApiKey) && baseUrl.Host == DefaultBaseUrl.Host)
        {
            throw new ConfigException(config.FieldPath("apiKey"), "required for type 'openai' at api.openai.com");
        }
        // OpenAI's reasoning models reject max_tokens; compatible servers (vLLM, Ollama, Groq...) read only max_tokens.
        return new OpenAIAdapter(config, baseUrl, new OpenAIHost(TakesMaxCompletionTokens: baseUrl.Host == DefaultBaseUrl.Host), services);
    }

    /// <summary>A named compatible service's provider (<see cref="OpenAICompatible"/>): its base URL and host rules resolved.</summary>
    public static IProviderAdapter Create(ProviderConfig config, Uri baseUrl, OpenAIHost host, ProviderServices services) =>
        new OpenAIAdapter(config, baseUrl, host, services);

    public bool TakesAnyField => !_host.RefusesUnknownFields;

    public bool Speaks(WireFormat format) => format == WireFormat.OpenAIChatCompletions
        || (format == WireFormat.OpenAIEmbeddings && _host.HasEmbeddings) || (format == WireFormat.OpenAICompletions && _host.HasCompletions)
        || (format is WireFormat.OpenAIResponses or WireFormat.OpenAIResponsesCompact && _responsesUrl is not null);

    public HttpRequestMessage CreateRequest(WireFormat format, string providerModel)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, format switch
        {
            WireFormat.OpenAIResponses => _responsesUrl,
            WireFormat.OpenAIResponsesCompact => _compactUrl,
            WireFormat.OpenAIEmbeddings => _embeddingsUrl,
            WireFormat.OpenAICompletions => _completionsUrl,
            _ => _chatCompletionsUrl,
        });
        if (_authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        }
        return request;
    }

    public ProviderError MapErrorResponse(int status, ReadOnlySpan<byte> body, TimeSpan? retryAfter) =>
        OpenAIErrorMapper.Map(status, body, retryAfter);

    public ProviderRules Rules => OpenAICanonicalChat.Rules;

    public ValueTask<ProviderError?> ChatAsync(ChatRequest request, ProviderTarget target, IStreamEventSink sink, CancellationToken cancellationToken) =>
        _canonical.ChatAsync(request, target, sink, cancellationToken);
}
