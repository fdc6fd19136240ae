using System.Buffers;
using LlmProxy.Canonical;

namespace LlmProxy.Providers.OpenAI;

/// <summary>
/// Serves a canonical request from any Chat Completions provider (OpenAI, Azure, compatible servers): the body is
/// written by <see cref="OpenAIRequestMapper"/>, sent with the provider's own URL and auth, and read back by
/// <see cref="OpenAIAnswerTranslator"/>.
/// </summary>
internal sealed class OpenAICanonicalChat(INativeWireProvider provider, ProviderServices services, OpenAIHost host)
{
    /// <summary>
    /// Function names: "a-z, A-Z, 0-9, or contain underscores and dashes, with a maximum length of 64" (API reference);
    /// tool call ids: at most 40 characters (OpenAI answers 400 string_above_max_length), which ids minted elsewhere
    /// (Gemini's, carrying a thought signature) exceed.
    /// </summary>
    public static readonly ProviderRules Rules = new(OpenAIRequestMapper.WhyNot,
        new IdentifierRule(IdentifierRule.WordCharacters, 40), new IdentifierRule(IdentifierRule.WordCharacters, 64));
    private readonly ILogger _logger = services.Logs.CreateLogger(provider.GetType());

    public async ValueTask<ProviderError?> ChatAsync(ChatRequest request, ProviderTarget target, IStreamEventSink sink, CancellationToken cancellationToken)
    {
        var body = TranslatedExchange.BodyBuffer(request);
        OpenAIRequestMapper.Write(request, target, body, _logger, host);
        using var message = provider.CreateRequest(WireFormat.OpenAIChatCompletions, target.Model);
        var translator = new OpenAIAnswerTranslator(services.Time.GetUtcNow().ToUnixTimeSeconds());
        return await TranslatedExchange.RunAsync(services, message, body.WrittenMemory, target, request.Stream, provider, translator, sink,
            cancellationToken).ConfigureAwait(false);
    }
}
