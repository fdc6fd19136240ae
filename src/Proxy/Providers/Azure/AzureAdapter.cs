using LlmProxy.Canonical;
using LlmProxy.Config;
using LlmProxy.Providers.OpenAI;

namespace LlmProxy.Providers.Azure;

/// <summary>
/// Azure OpenAI: <c>{baseUrl}/openai/deployments/{deployment}/chat/completions?api-version=</c> (and <c>/embeddings</c>, <c>/completions</c>) with an
/// <c>api-key</c> header. Same body format as OpenAI, so an OpenAI client's body passes through; other dialects are translated.
/// </summary>
internal sealed class AzureAdapter : INativeWireProvider, ICanonicalChatProvider
{
    public const string DefaultApiVersion = "2024-10-21";

    private readonly string _deploymentsBase;
    private readonly string _apiVersion;
    private readonly string _apiKey;
    private readonly string? _responsesUrl;
    private readonly string? _compactUrl;
    private readonly ProviderUrlCache<(string Model, WireFormat Format), string> _urls;
    private readonly OpenAICanonicalChat _canonical;

    private AzureAdapter(ProviderConfig config, Uri baseUrl, string apiKey, ProviderServices services)
    {
        Config = config;
        _deploymentsBase = ProviderUrl.Join(baseUrl, "/openai/deployments/");
        _apiVersion = Uri.EscapeDataString(config.ApiVersion ?? DefaultApiVersion);
        // {baseUrl}/openai/deployments/{deployment}{operation}?api-version=, made once per deployment and API.
        _urls = new(key => $"{_deploymentsBase}{Uri.EscapeDataString(key.Model)}{key.Format switch
        {
            WireFormat.OpenAIEmbeddings => "/embeddings",
            WireFormat.OpenAICompletions => "/completions",
            _ => "/chat/completions",
        }}?api-version={_apiVersion}");
        _apiKey = apiKey;
        // Azure's Responses API is on its v1 surface, the deployment named by the body's model:
        // https://learn.microsoft.com/azure/ai-foundry/openai/how-to/responses
        _responsesUrl = config.ResponsesApi == true ? ProviderUrl.Join(baseUrl, "/openai/v1/responses") : null;
        _compactUrl = _responsesUrl is null ? null : _responsesUrl + "/compact";
        // max_completion_tokens (which Azure's reasoning models require) came with api-version 2024-12-01-preview;
        // older versions reject it as an unknown argument.
        var apiVersion = config.ApiVersion ?? DefaultApiVersion;
        _canonical = new OpenAICanonicalChat(this, services, new OpenAIHost(TakesMaxCompletionTokens: string.CompareOrdinal(apiVersion, "2024-12") >= 0));
    }

    public ProviderConfig Config { get; }

    public static IProviderAdapter Create(ProviderConfig config, ProviderServices services)
    {
        var baseUrl = config.BaseUrl ?? throw new ConfigException(config.FieldPath("baseUrl"), "required for type 'azure' (https://RESOURCE.openai.azure.com)");
        if (string.IsNullOrEmpty(config.ApiKey))
        {
            throw new ConfigException(config.FieldPath("apiKey"), "required for type 'azure'");
        }
        return new AzureAdapter(config, baseUrl, config.ApiKey, services);
    }

    public bool Speaks(WireFormat format) => format is WireFormat.OpenAIChatCompletions or WireFormat.OpenAIEmbeddings or WireFormat.OpenAICompletions
        || (format is WireFormat.OpenAIResponses or WireFormat.OpenAIResponsesCompact && _responsesUrl is not null);

    public HttpRequestMessage CreateRequest(WireFormat format, string providerModel)
    {
        var url = format == WireFormat.OpenAIResponses ? _responsesUrl!
            : format == WireFormat.OpenAIResponsesCompact ? _compactUrl
            : _urls.Get((providerModel, format));
        var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Headers.TryAddWithoutValidation("api-key", _apiKey);
        return request;
    }

    public ProviderError MapErrorResponse(int status, ReadOnlySpan<byte> body, TimeSpan? retryAfter) =>
        OpenAIErrorMapper.Map(status, body, retryAfter);

    public ProviderRules Rules => OpenAICanonicalChat.Rules;

    public ValueTask<ProviderError?> ChatAsync(ChatRequest request, ProviderTarget target, IStreamEventSink sink, CancellationToken cancellationToken) =>
        _canonical.ChatAsync(request, target, sink, cancellationToken);
}
