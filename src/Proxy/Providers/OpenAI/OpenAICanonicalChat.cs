using System.Buffers;
using LlmProxy.Canonical;

namespace LlmProxy.Providers.OpenAI;

/// <summary>
/// Serves a canonical request from any Chat Completions provider (OpenAI, Azure, compatible servers): the body is
/// written by <see cref="OpenAIRequestMapper"/>, sent with the provider's own URL and auth, and read back by
/// <see cref="OpenAIAnswerTranslator"/>.
/// </summary>
internal sealed class OpenAICanonicalChat(INativeWireProvider provider, ProviderServices services, bool hostTakesMaxCompletionTokens)
{
    // Function names: "a-z, A-Z, 0-9, or contain underscores and dashes, with a maximum length of 64"; ids are free text.
    private static readonly ProviderRules Rules = new(OpenAIRequestMapper.WhyNot, null, new IdentifierRule(IdentifierRule.WordCharacters, 64));
    private readonly ILogger _logger = services.Logs.CreateLogger(provider.GetType());

    public async ValueTask<ProviderError?> ChatAsync(ChatRequest request, ProviderTarget target, IStreamEventSink sink, CancellationToken cancellationToken)
    {
        (request, sink, var refusal) = Rules.Apply(request, sink, provider.Config);
        if (refusal is not null)
        {
            return refusal;
        }
        var body = new ArrayBufferWriter<byte>(4096);
        OpenAIRequestMapper.Write(request, target, body, _logger, hostTakesMaxCompletionTokens);
        using var message = provider.CreateRequest(WireFormat.OpenAIChatCompletions, target.Model);
        var translator = new OpenAIAnswerTranslator(services.Time.GetUtcNow().ToUnixTimeSeconds());
        return await TranslatedExchange.RunAsync(services.Http, message, body.WrittenMemory, target, request.Stream, provider, translator, sink,
            cancellationToken).ConfigureAwait(false);
    }
}
