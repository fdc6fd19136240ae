using LlmProxy.Canonical;

namespace LlmProxy.Wire.Anthropic;

/// <summary>Anthropic's <c>stop_reason</c> values and the canonical finish reasons they mean.</summary>
internal static class AnthropicStopReasons
{
    public static ReadOnlySpan<byte> ToUtf8(FinishReason reason) => reason switch
    {
        FinishReason.Length => "max_tokens"u8,
        FinishReason.ToolCalls => "tool_use"u8,
        FinishReason.ContentFilter => "refusal"u8,
        _ => "end_turn"u8,
    };

    // end_turn, stop_sequence and pause_turn (a server tool paused the turn) all end the answer normally.
    public static FinishReason Parse(ReadOnlySpan<byte> stopReason) =>
        stopReason.SequenceEqual("max_tokens"u8) || stopReason.SequenceEqual("model_context_window_exceeded"u8) ? FinishReason.Length
        : stopReason.SequenceEqual("tool_use"u8) ? FinishReason.ToolCalls
        : stopReason.SequenceEqual("refusal"u8) ? FinishReason.ContentFilter
        : FinishReason.Stop;
}
