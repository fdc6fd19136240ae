using System.Text.Unicode;
using LlmProxy.Canonical;

namespace LlmProxy.Fuzz;

/// <summary>
/// A sink that holds translators to its contract: text, reasoning, signatures and argument fragments are valid UTF-8
/// (the dialect writers encode them as JSON strings, which refuses anything else), and tool call indexes count from 0.
/// </summary>
internal sealed class CheckingSink : IStreamEventSink
{
    public void Start(in StreamStart start)
    {
    }

    public void TextDelta(ReadOnlySpan<byte> utf8Text) => RequireUtf8(utf8Text, "text");

    public void ReasoningDelta(ReadOnlySpan<byte> utf8Text) => RequireUtf8(utf8Text, "reasoning");

    public void ReasoningSignature(ReadOnlySpan<byte> utf8Signature) => RequireUtf8(utf8Signature, "signature");

    public void ToolCallStart(int index, string id, string name)
    {
        if (index < 0)
        {
            throw new InvalidDataException($"tool call index {index}");
        }
    }

    public void ToolCallArgumentsDelta(int index, ReadOnlySpan<byte> utf8Json) => RequireUtf8(utf8Json, "tool call arguments");

    public void Finish(FinishReason reason, string? stopSequence = null)
    {
    }

    public void ReportUsage(in TokenUsage usage)
    {
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    private static void RequireUtf8(ReadOnlySpan<byte> bytes, string what)
    {
        if (!Utf8.IsValid(bytes))
        {
            throw new InvalidDataException($"the translator passed {what} that is not valid UTF-8");
        }
    }
}
