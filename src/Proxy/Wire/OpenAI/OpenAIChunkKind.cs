namespace LlmProxy.Wire.OpenAI;

internal enum OpenAIChunkKind
{
    /// <summary>A chunk with at least one choice: what chat clients read.</summary>
    Choices,

    /// <summary>A chunk without choices: the usage chunk, or Azure's opening prompt-filter chunk.</summary>
    NoChoices,

    /// <summary>An in-stream <c>{"error":...}</c> from the provider.</summary>
    Error,
}
