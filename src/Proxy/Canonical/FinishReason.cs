namespace LlmProxy.Canonical;

/// <summary>Why the model stopped, in the gateway's own terms; each dialect spells it its own way.</summary>
internal enum FinishReason
{
    /// <summary>The answer is complete (OpenAI <c>stop</c>, Anthropic <c>end_turn</c>, Gemini <c>STOP</c>).</summary>
    Stop,

    /// <summary>One of the request's stop sequences was generated; which one travels beside it when the provider says.</summary>
    StopSequence,

    /// <summary>The token limit, or the context window, was reached.</summary>
    Length,

    /// <summary>The model wants tool results before it goes on.</summary>
    ToolCalls,

    /// <summary>A safety system stopped or refused the answer (OpenAI <c>content_filter</c>, Anthropic <c>refusal</c>).</summary>
    ContentFilter,

    /// <summary>The provider paused a long turn to be continued by sending it back (Anthropic <c>pause_turn</c>).</summary>
    Pause,
}
