using LlmProxy.Canonical;

namespace LlmProxy.Providers.Gemini;

/// <summary>Gemini's <c>finishReason</c> values as canonical reasons: every block reason is a content filter.</summary>
internal static class GeminiFinishReasons
{
    public static FinishReason Parse(ReadOnlySpan<byte> reason) =>
        reason.SequenceEqual("STOP"u8) ? FinishReason.Stop
        : reason.SequenceEqual("MAX_TOKENS"u8) ? FinishReason.Length
        : reason.SequenceEqual("SAFETY"u8) || reason.SequenceEqual("RECITATION"u8) || reason.SequenceEqual("BLOCKLIST"u8)
          || reason.SequenceEqual("PROHIBITED_CONTENT"u8) || reason.SequenceEqual("SPII"u8) || reason.SequenceEqual("IMAGE_SAFETY"u8)
          || reason.SequenceEqual("LANGUAGE"u8) ? FinishReason.ContentFilter
        : FinishReason.Stop;
}
