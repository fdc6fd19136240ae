using System.Buffers;
using LlmProxy.Canonical;
using LlmProxy.Config;
using LlmProxy.Providers.OpenAI;
using LlmProxy.Wire.Anthropic;

namespace LlmProxy.Providers.Anthropic;

/// <summary>
/// Anthropic's Messages API: <c>{baseUrl}/v1/messages</c> with <c>x-api-key</c> and <c>anthropic-version</c>. Anthropic
/// clients' bodies pass through; every other dialect is translated through the canonical model.
/// </summary>
internal sealed class AnthropicAdapter : INativeWireProvider, ICanonicalChatProvider
{
    /// <summary>The API version the proxy writes translated requests for; pass-through forwards the client's own.</summary>
    public const string ApiVersion = "2023-06-01";
    public static readonly Uri DefaultBaseUrl = new("https://api.anthropic.com");

    private readonly string _messagesUrl;
    private readonly string _countTokensUrl;
    private readonly string? _apiKey;
    private readonly ProviderServices _services;
    private readonly ILogger _logger;

    private AnthropicAdapter(ProviderConfig config, Uri baseUrl, ProviderServices services)
    {
        Config = config;
        _messagesUrl = ProviderUrl.Join(baseUrl, "/v1/messages");
        _countTokensUrl = ProviderUrl.Join(baseUrl, "/v1/messages/count_tokens");
        _apiKey = string.IsNullOrEmpty(config.ApiKey) ? null : config.ApiKey;
        _services = services;
        _logger = services.Logs.CreateLogger<AnthropicAdapter>();
    }

    public ProviderConfig Config { get; }

    public static IProviderAdapter Create(ProviderConfig config, ProviderServices services)
    {
        var baseUrl = config.BaseUrl ?? DefaultBaseUrl;
        // Anthropic-compatible local servers may need no key; Anthropic itself always does.
        if (string.IsNullOrEmpty(config.ApiKey) && baseUrl.Host == DefaultBaseUrl.Host)
        {
            throw new ConfigException(config.FieldPath("apiKey"), "required for type 'anthropic' at api.anthropic.com");
        }
        return new AnthropicAdapter(config, baseUrl, services);
    }

    public bool Speaks(WireFormat format) => format is WireFormat.AnthropicMessages or WireFormat.AnthropicCountTokens;

    public HttpRequestMessage CreateRequest(WireFormat format, string providerModel)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, format == WireFormat.AnthropicCountTokens ? _countTokensUrl : _messagesUrl);
        if (_apiKey is not null)
        {
            request.Headers.TryAddWithoutValidation("x-api-key", _apiKey);
        }
        request.Headers.TryAddWithoutValidation("anthropic-version", ApiVersion);
        return request;
    }

    // Anthropic's error body, {"type":"error","error":{"type","message"}}, carries the same error object OpenAI's does.
    public ProviderError MapErrorResponse(int status, ReadOnlySpan<byte> body, TimeSpan? retryAfter) =>
        OpenAIErrorMapper.Map(status, body, retryAfter);

    private static readonly ProviderRules CanonicalRules = new(AnthropicRequestMapper.WhyNot, AnthropicIdentifiers.ToolUseIds, AnthropicIdentifiers.ToolNames);

    public ProviderRules Rules => CanonicalRules;

    public async ValueTask<ProviderError?> ChatAsync(ChatRequest request, ProviderTarget target, IStreamEventSink sink, CancellationToken cancellationToken)
    {
        var body = TranslatedExchange.BodyBuffer(request);
        AnthropicRequestMapper.Write(request, target, body, _logger, out var jsonToolName);
        using var message = CreateRequest(WireFormat.AnthropicMessages, target.Model);
        var translator = new AnthropicAnswerTranslator(jsonToolName, _services.Time.GetUtcNow().ToUnixTimeSeconds());
        return await TranslatedExchange.RunAsync(_services, message, body.WrittenMemory, target, request.Stream, this, translator, sink,
            cancellationToken).ConfigureAwait(false);
    }
}
