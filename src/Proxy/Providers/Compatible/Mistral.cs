using LlmProxy.Providers.OpenAI;

namespace LlmProxy.Providers.Compatible;

/// <summary>
/// Mistral AI (https://docs.mistral.ai/api): <c>https://api.mistral.ai/v1</c>, Bearer <c>MISTRAL_API_KEY</c>. Its API
/// refuses fields it does not know (422 <c>extra_forbidden</c>): <c>max_tokens</c> only, no <c>user</c>, and no
/// <c>stream_options</c> (a stream's last chunk carries its usage unasked), so OpenAI clients' requests are translated. Embeddings (mistral-embed) yes; no legacy
/// completions (only FIM), so those are translated to chat.
/// </summary>
internal static class Mistral
{
    public static readonly OpenAICompatible Service = new("https://api.mistral.ai/v1", "MISTRAL_API_KEY", KeyRequired: true,
        new OpenAIHost(TakesMaxCompletionTokens: false, TakesStreamOptions: false, TakesUser: false, HasCompletions: false, RefusesUnknownFields: true));
}
