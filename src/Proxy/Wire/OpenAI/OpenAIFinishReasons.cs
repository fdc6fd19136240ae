using LlmProxy.Canonical;

namespace LlmProxy.Wire.OpenAI;

/// <summary>Chat Completions' <c>finish_reason</c> values and the canonical finish reasons they mean.</summary>
internal static class OpenAIFinishReasons
{
    // function_call is the pre-tools spelling of tool_calls.
    public static FinishReason Parse(ReadOnlySpan<byte> reason) =>
        reason.SequenceEqual("length"u8) ? FinishReason.Length
        : reason.SequenceEqual("tool_calls"u8) || reason.SequenceEqual("function_call"u8) ? FinishReason.ToolCalls
        : reason.SequenceEqual("content_filter"u8) ? FinishReason.ContentFilter
        : FinishReason.Stop;

    // Chat Completions says "stop" for a natural end and for a stop sequence alike, and has no pause.
    public static ReadOnlySpan<byte> ToUtf8(FinishReason reason) => reason switch
    {
        FinishReason.Length => "length"u8,
        FinishReason.ToolCalls => "tool_calls"u8,
        FinishReason.ContentFilter => "content_filter"u8,
        _ => "stop"u8,
    };
}
