using System.Buffers;
using LlmProxy.Canonical;
using LlmProxy.Config;
using LlmProxy.Providers.OpenAI;

namespace LlmProxy.Providers.Gemini;

/// <summary>
/// Google's Gemini API: <c>{baseUrl}/v1beta/models/{model}:generateContent</c>, or
/// <c>:streamGenerateContent?alt=sse</c> for streams, with <c>x-goog-api-key</c>; embeddings through
/// <c>:batchEmbedContents</c> (<see cref="GeminiEmbeddings"/>). Every dialect is translated.
/// </summary>
internal sealed class GeminiAdapter : ICanonicalChatProvider, IEmbeddingsProvider, IUpstreamErrorMapper
{
    public static readonly Uri DefaultBaseUrl = new("https://generativelanguage.googleapis.com");

    private readonly string _modelsBase;
    private readonly string? _apiKey;
    private readonly ProviderServices _services;
    private readonly ILogger _logger;
    private readonly ProviderUrlCache<(string Model, bool Stream), string> _urls;

    private GeminiAdapter(ProviderConfig config, Uri baseUrl, ProviderServices services)
    {
        Config = config;
        _modelsBase = ProviderUrl.Join(baseUrl, "/v1beta/models/");
        var modelsBase = _modelsBase;
        _urls = new(key => $"{modelsBase}{Uri.EscapeDataString(key.Model)}:{(key.Stream ? "streamGenerateContent?alt=sse" : "generateContent")}");
        _apiKey = string.IsNullOrEmpty(config.ApiKey) ? null : config.ApiKey;
        _services = services;
        _logger = services.Logs.CreateLogger<GeminiAdapter>();
    }

    public ProviderConfig Config { get; }

    public static IProviderAdapter Create(ProviderConfig config, ProviderServices services)
    {
        var baseUrl = config.BaseUrl ?? DefaultBaseUrl;
        if (string.IsNullOrEmpty(config.ApiKey) && baseUrl.Host == DefaultBaseUrl.Host)
        {
            throw new ConfigException(config.FieldPath("apiKey"), "required for type 'gemini' at generativelanguage.googleapis.com");
        }
        return new GeminiAdapter(config, baseUrl, services);
    }

    // Gemini's error body, {"error":{"code","message","status"}}, has the same error object OpenAI's does. A bad key
    // is a 400 there (reason API_KEY_INVALID): it is the operator's credential, not the client's request, so a 401.
    public ProviderError MapErrorResponse(int status, ReadOnlySpan<byte> body, TimeSpan? retryAfter) =>
        OpenAIErrorMapper.Map(status == 400 && body.IndexOf("\"API_KEY_INVALID\""u8) >= 0 ? 401 : status, body, retryAfter);

    // Calls carry no ids Gemini checks; function names have their rule.
    private static readonly ProviderRules CanonicalRules = new(GeminiRequestMapper.WhyNot, null, GeminiRequestMapper.FunctionNames);

    public ProviderRules Rules => CanonicalRules;

    public async ValueTask<ProviderError?> ChatAsync(ChatRequest request, ProviderTarget target, IStreamEventSink sink, CancellationToken cancellationToken)
    {
        var body = TranslatedExchange.BodyBuffer(request);
        GeminiRequestMapper.Write(request, target, body, _logger);
        using var message = new HttpRequestMessage(HttpMethod.Post, Url(target.Model, request.Stream));
        if (_apiKey is not null)
        {
            message.Headers.TryAddWithoutValidation("x-goog-api-key", _apiKey);
        }
        var translator = new GeminiAnswerTranslator(_services.Time.GetUtcNow().ToUnixTimeSeconds(), target.Model);
        return await TranslatedExchange.RunAsync(_services, message, body.WrittenMemory, target, request.Stream, this, translator, sink,
            cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<ProviderError?> EmbedAsync(EmbeddingsRequest request, ProviderTarget target, IEmbeddingsSink sink, CancellationToken cancellationToken)
    {
        if (EmbeddingBatches.TextOnly(request, Config) is { } refusal)
        {
            return ValueTask.FromResult<ProviderError?>(refusal);
        }
        var url = $"{_modelsBase}{Uri.EscapeDataString(target.Model)}:batchEmbedContents";
        return EmbeddingBatches.RunAsync(_services, request, target, GeminiEmbeddings.PerCall, this, (start, count) =>
        {
            var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new UpstreamJsonContent(GeminiEmbeddings.Body(request, start, count, target)) };
            if (_apiKey is not null)
            {
                message.Headers.TryAddWithoutValidation("x-goog-api-key", _apiKey);
            }
            return message;
        }, GeminiEmbeddings.Locate, sink, cancellationToken);
    }

    private string Url(string model, bool stream) => _urls.Get((model, stream));
}
