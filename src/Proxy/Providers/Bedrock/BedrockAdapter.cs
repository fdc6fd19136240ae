using System.Buffers;
using System.Text.RegularExpressions;
using LlmProxy.Canonical;
using LlmProxy.Config;

namespace LlmProxy.Providers.Bedrock;

/// <summary>
/// AWS Bedrock's Converse API: <c>{baseUrl}/model/{modelId}/converse</c> and <c>/converse-stream</c> (AWS
/// event-stream), default baseUrl <c>https://bedrock-runtime.{region}.amazonaws.com</c>. Requests are signed with
/// SigV4 (service <c>bedrock</c>) from the config's keys or the standard AWS environment variables, session token
/// included; or, when <c>apiKey</c> is set, sent with a Bedrock API key as a Bearer token. Every dialect is translated;
/// embeddings go through InvokeModel (<see cref="BedrockEmbeddings"/>).
/// </summary>
internal sealed partial class BedrockAdapter : ICanonicalChatProvider, IEmbeddingsProvider, IUpstreamErrorMapper
{
    private const string Service = "bedrock";
    private readonly Uri _baseUrl;
    private readonly string _region;
    private readonly AwsCredentials? _credentials;
    private readonly string? _bearer;
    private readonly ProviderServices _services;
    private readonly ILogger _logger;
    private readonly ProviderUrlCache<(string Model, bool Stream), Uri> _urls;

    private BedrockAdapter(ProviderConfig config, Uri baseUrl, string region, AwsCredentials? credentials, string? bearer, ProviderServices services)
    {
        Config = config;
        _baseUrl = baseUrl;
        // The model id is one path segment: "anthropic.claude-sonnet-4-5-20250929-v1:0" is sent with its colon encoded.
        _urls = new(key => new Uri(ProviderUrl.Join(baseUrl, $"/model/{Uri.EscapeDataString(key.Model)}/{(key.Stream ? "converse-stream" : "converse")}")));
        _region = region;
        _credentials = credentials;
        _bearer = bearer;
        _services = services;
        _logger = services.Logs.CreateLogger<BedrockAdapter>();
    }

    public ProviderConfig Config { get; }

    public static IProviderAdapter Create(ProviderConfig config, ProviderServices services) => Create(config, services, Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="Create(ProviderConfig, ProviderServices)"/>, reading AWS_* variables through <paramref name="environment"/>.</summary>
    public static IProviderAdapter Create(ProviderConfig config, ProviderServices services, Func<string, string?> environment)
    {
        var region = config.Region ?? environment("AWS_REGION") ?? environment("AWS_DEFAULT_REGION")
            ?? throw new ConfigException(config.FieldPath("region"), "required for type 'bedrock' (or AWS_REGION in the environment)");
        if (!AwsRegion().IsMatch(region))
        {
            throw new ConfigException(config.FieldPath("region"), $"'{region}' is not an AWS region (such as us-east-1 or eu-central-1)");
        }
        var baseUrl = config.BaseUrl ?? new Uri($"https://bedrock-runtime.{region}.amazonaws.com");
        if (!string.IsNullOrEmpty(config.ApiKey))
        {
            return new BedrockAdapter(config, baseUrl, region, null, "Bearer " + config.ApiKey, services);
        }
        var accessKeyId = config.AccessKeyId ?? environment("AWS_ACCESS_KEY_ID");
        var secret = config.SecretAccessKey ?? environment("AWS_SECRET_ACCESS_KEY");
        if (string.IsNullOrEmpty(accessKeyId) || string.IsNullOrEmpty(secret))
        {
            throw new ConfigException(config.FieldPath("accessKeyId"),
                "required with secretAccessKey for type 'bedrock' (or apiKey, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment)");
        }
        // A session token belongs to the key it came with: the environment's only goes with the environment's key.
        var sessionToken = config.AccessKeyId is not null ? config.SessionToken : config.SessionToken ?? environment("AWS_SESSION_TOKEN");
        return new BedrockAdapter(config, baseUrl, region,
            new AwsCredentials(accessKeyId, secret, string.IsNullOrEmpty(sessionToken) ? null : sessionToken), null, services);
    }

    public ProviderError MapErrorResponse(int status, ReadOnlySpan<byte> body, TimeSpan? retryAfter) => BedrockErrorMapper.Map(status, body, retryAfter);

    // toolUseId and toolSpec.name: [a-zA-Z0-9_-]+, 1 to 64 characters (Converse API reference, ToolUseBlock, ToolSpecification).
    private static readonly IdentifierRule Identifiers = new(IdentifierRule.WordCharacters, 64);
    private static readonly ProviderRules CanonicalRules = new(BedrockRequestMapper.WhyNot, Identifiers, Identifiers);

    public ProviderRules Rules => CanonicalRules;

    public async ValueTask<ProviderError?> ChatAsync(ChatRequest request, ProviderTarget target, IStreamEventSink sink, CancellationToken cancellationToken)
    {
        var body = TranslatedExchange.BodyBuffer(request);
        BedrockRequestMapper.Write(request, target, body, _logger, out var jsonToolName);
        var url = Url(target.Model, request.Stream);
        using var message = new HttpRequestMessage(HttpMethod.Post, url);
        var now = _services.Time.GetUtcNow();
        Authorize(message, url, body.WrittenSpan, now);
        var translator = new BedrockAnswerTranslator(target.Model, jsonToolName, now.ToUnixTimeSeconds());
        return await TranslatedExchange.RunAsync(_services, message, body.WrittenMemory, target, request.Stream, this, translator, sink,
            cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<ProviderError?> EmbedAsync(EmbeddingsRequest request, ProviderTarget target, IEmbeddingsSink sink, CancellationToken cancellationToken)
    {
        if (BedrockEmbeddings.WhyNot(request, target, Config) is { } refusal)
        {
            return ValueTask.FromResult<ProviderError?>(refusal);
        }
        var url = new Uri(ProviderUrl.Join(_baseUrl, $"/model/{Uri.EscapeDataString(target.Model)}/invoke"));
        return EmbeddingBatches.RunAsync(_services, request, target, BedrockEmbeddings.PerCall(BedrockEmbeddings.FamilyOf(target.Model)), this, (start, count) =>
        {
            var body = BedrockEmbeddings.Body(request, start, count, target);
            var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new UpstreamJsonContent(body) };
            Authorize(message, url, body.Span, _services.Time.GetUtcNow());
            return message;
        }, BedrockEmbeddings.Locate, sink, cancellationToken);
    }

    private void Authorize(HttpRequestMessage message, Uri url, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (_bearer is not null)
        {
            message.Headers.TryAddWithoutValidation("Authorization", _bearer);
            return;
        }
        var credentials = _credentials!;
        var amzDate = AwsSigV4Signer.AmzDate(now);
        // Exactly the headers HttpClient sends with these values: content-type is the JSON body's, host the URL's authority.
        var signed = new List<KeyValuePair<string, string>>(4)
        {
            new("content-type", "application/json"),
            new("host", url.IsDefaultPort ? url.Host : url.Authority),
            new("x-amz-date", amzDate),
        };
        message.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        if (credentials.SessionToken is { } token)
        {
            signed.Add(new("x-amz-security-token", token));
            message.Headers.TryAddWithoutValidation("x-amz-security-token", token);
        }
        message.Headers.TryAddWithoutValidation("Authorization",
            AwsSigV4Signer.Authorization(credentials, _region, Service, now, "POST", url.AbsolutePath, url.Query, signed, body));
    }

    private Uri Url(string model, bool stream) => _urls.Get((model, stream));

    // us-east-1, eu-central-1, us-gov-west-1, ap-southeast-2: also the host name the region becomes part of.
    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex AwsRegion();
}
