namespace LlmProxy.Canonical;

/// <summary>Why the model stopped, in the gateway's own terms; each dialect spells it its own way.</summary>
internal enum FinishReason
{
    Stop,
    Length,
    ToolCalls,
    ContentFilter,
}
