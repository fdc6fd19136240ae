namespace LlmProxy.Providers;

/// <summary>The HTTP APIs a request body can be written in; a provider that speaks one natively gets it passed through.</summary>
internal enum WireFormat
{
    OpenAIChatCompletions,
    OpenAIResponses,
    OpenAIResponsesCompact,
    AnthropicMessages,
    AnthropicCountTokens,
    OpenAIEmbeddings,
    OpenAICompletions,
}
