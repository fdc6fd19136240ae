namespace LlmProxy.Providers.OpenAI;

/// <summary>
/// What a Chat Completions host takes of the fields the proxy writes when it translates (and, for
/// <see cref="TakesStreamOptions"/>, adds when it passes a stream through): OpenAI itself takes all of them; a compatible
/// server may read only <c>max_tokens</c>, or refuse a field it does not know (Mistral answers 422 to
/// <c>stream_options</c>, <c>user</c> and <c>max_completion_tokens</c>).
/// </summary>
/// <param name="TakesMaxCompletionTokens">The answer limit as <c>max_completion_tokens</c> for every model (else <c>max_tokens</c>, but for reasoning models).</param>
/// <param name="TakesStreamOptions"><c>stream_options.include_usage</c>, which the proxy asks for to count a stream; a host without it must send usage unasked.</param>
/// <param name="TakesUser">The end user's id as <c>user</c>.</param>
/// <param name="HasEmbeddings">Serves <c>/embeddings</c>; without it an embeddings request goes to the next deployment.</param>
/// <param name="HasCompletions">Serves the legacy <c>/completions</c>; without it a completions request is translated to chat.</param>
/// <param name="RefusesUnknownFields">Answers 422 to any field it does not know: chat requests are translated, never passed through.</param>
internal sealed record OpenAIHost(bool TakesMaxCompletionTokens, bool TakesStreamOptions = true, bool TakesUser = true, bool HasEmbeddings = true,
    bool HasCompletions = true, bool RefusesUnknownFields = false);
