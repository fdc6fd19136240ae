namespace LlmProxy.Wire.OpenAI;

internal enum OpenAIChunkKind
{
    /// <summary>A chunk with at least one choice: what chat clients read.</summary>
    Choices,

    /// <summary>A chunk without choices: the usage chunk, or Azure's opening prompt-filter chunk.</summary>
    NoChoices,

    /// <summary>
    /// A chunk with an empty <c>id</c>: Azure's content-filter annotations (prompt filter results, async filter
    /// offsets). Their choices, when present, have no <c>delta</c>, which breaks clients that read it.
    /// </summary>
    Annotation,

    /// <summary>An in-stream <c>{"error":...}</c> from the provider.</summary>
    Error,
}
