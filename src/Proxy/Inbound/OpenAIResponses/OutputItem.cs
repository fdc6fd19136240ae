using LlmProxy.Streaming;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// One item of a Response's <c>output</c> as it is assembled from canonical events: a <c>message</c> (its text), a
/// <c>function_call</c> (its arguments JSON text) or a <c>reasoning</c> item (its text, and the provider's signature).
/// </summary>
internal sealed class OutputItem(OutputItemKind kind, string id, int outputIndex)
{
    public OutputItemKind Kind { get; } = kind;

    public string Id { get; } = id;

    /// <summary>Where the item sits in <c>output</c>, from 0.</summary>
    public int OutputIndex { get; } = outputIndex;

    /// <summary>UTF-8: the message text, the call's arguments, or the reasoning text; pooled, given back by <see cref="ResponsesOutput.Dispose"/>.</summary>
    public PooledBuffer Text { get; } = new();

    public string? CallId { get; init; }

    public string? Name { get; init; }

    /// <summary>The provider's signature over the reasoning text (Anthropic), UTF-8; null when it gave none.</summary>
    public byte[]? Signature { get; set; }

    /// <summary>The reasoning and signature sealed for <c>encrypted_content</c>, made once when the item is first written whole.</summary>
    public string? Sealed { get; set; }

    /// <summary>True once the item's done events were sent (stream) or it can take no more text.</summary>
    public bool Done { get; set; }
}
