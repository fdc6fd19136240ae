using LlmProxy.Canonical;

namespace LlmProxy.Wire.OpenAI;

internal static class OpenAIFinishReasons
{
    public static ReadOnlySpan<byte> ToUtf8(FinishReason reason) => reason switch
    {
        FinishReason.Length => "length"u8,
        FinishReason.ToolCalls => "tool_calls"u8,
        FinishReason.ContentFilter => "content_filter"u8,
        _ => "stop"u8,
    };
}
