using LlmProxy.Canonical;

namespace LlmProxy.Wire.Anthropic;

/// <summary>
/// Anthropic's <c>stop_reason</c> values and the canonical finish reasons they mean
/// (https://docs.anthropic.com/en/api/handling-stop-reasons).
/// </summary>
internal static class AnthropicStopReasons
{
    public static ReadOnlySpan<byte> ToUtf8(FinishReason reason) => reason switch
    {
        FinishReason.StopSequence => "stop_sequence"u8,
        FinishReason.Length => "max_tokens"u8,
        FinishReason.ToolCalls => "tool_use"u8,
        FinishReason.ContentFilter => "refusal"u8,
        FinishReason.Pause => "pause_turn"u8,
        _ => "end_turn"u8,
    };

    // model_context_window_exceeded: the answer was cut by the context window rather than max_tokens, a length stop.
    public static FinishReason Parse(ReadOnlySpan<byte> stopReason) =>
        stopReason.SequenceEqual("max_tokens"u8) || stopReason.SequenceEqual("model_context_window_exceeded"u8) ? FinishReason.Length
        : stopReason.SequenceEqual("tool_use"u8) ? FinishReason.ToolCalls
        : stopReason.SequenceEqual("stop_sequence"u8) ? FinishReason.StopSequence
        : stopReason.SequenceEqual("refusal"u8) ? FinishReason.ContentFilter
        : stopReason.SequenceEqual("pause_turn"u8) ? FinishReason.Pause
        : FinishReason.Stop;
}
