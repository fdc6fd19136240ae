namespace LlmProxy.Canonical;

/// <summary>A chat request as the gateway understands it, whatever dialect the client spoke.</summary>
internal sealed record ChatRequest
{
    /// <summary>The system and developer instructions, joined in order; null when there are none.</summary>
    public string? System { get; init; }

    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    public int? MaxTokens { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    /// <summary>Anthropic's <c>top_k</c>; providers without it drop it.</summary>
    public int? TopK { get; init; }

    public IReadOnlyList<string>? Stop { get; init; }

    /// <summary>An end-user id for the provider's abuse monitoring (OpenAI <c>user</c>, Anthropic <c>metadata.user_id</c>).</summary>
    public string? User { get; init; }

    public IReadOnlyList<ToolDefinition>? Tools { get; init; }

    public ToolChoice? ToolChoice { get; init; }

    /// <summary>False forbids several tool calls in one answer; null leaves the provider's default.</summary>
    public bool? ParallelToolCalls { get; init; }

    public ResponseFormat? ResponseFormat { get; init; }

    public ReasoningRequest? Reasoning { get; init; }

    public bool Stream { get; init; }

    /// <summary>Tools only the client's own provider runs (Anthropic server tools, OpenAI hosted tools): a translating provider refuses them by name.</summary>
    public IReadOnlyList<UnsupportedPart>? UnsupportedTools { get; init; }

    /// <summary>The client's body size in bytes: what a provider's body written from this request will be near (images dominate).</summary>
    public int SizeHint { get; init; }

    /// <summary>Parameters of the client's body that have no canonical meaning, so no provider will see them (logged at debug).</summary>
    public IReadOnlyList<string>? Ignored { get; init; }

    /// <summary>
    /// Conversations answered after this one, as choices 1, 2, ... of the same answer (legacy Completions' several prompts
    /// and <c>n</c>): each is a provider call of its own, with this request's parameters. Null for one choice.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<ChatMessage>>? MoreChoices { get; init; }
}
