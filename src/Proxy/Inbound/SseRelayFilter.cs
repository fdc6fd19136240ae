using System.Buffers;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Streaming;

namespace LlmProxy.Inbound;

/// <summary>
/// Decides, event by event, what of a same-dialect provider stream reaches the client, and learns the usage, the
/// end marker and any provider error on the way. Events are copied out whole and unchanged, in runs: one write per
/// run of consecutive kept events, not one per event, because each write into the response takes the server's lock.
/// </summary>
internal abstract class SseRelayFilter
{
    /// <summary>True once the stream's end marker went by.</summary>
    public bool Done { get; protected set; }

    public bool ProviderSentError { get; protected set; }

    public TokenUsage? Usage { get; protected set; }

    /// <summary>True once an event with content for the client went by; until then the relay holds the stream back.</summary>
    public bool ContentStarted { get; protected set; }

    /// <summary>
    /// Events that carried a piece of the answer (text, reasoning, tool arguments). When a stream ends without the
    /// provider's usage (the client left, the provider cut it), each is billed as one output token: providers stream
    /// about a token per delta (OpenAI's chunks one, Anthropic's a few), so the estimate does not exceed what was sent.
    /// Counted from the events' kinds alone, without parsing them.
    /// </summary>
    public long ContentEvents { get; protected set; }

    /// <summary>The provider's error event when it came before any content (so another deployment may still answer).</summary>
    public ProviderError? EarlyError { get; protected set; }

    private SseTail _tail;

    /// <summary>
    /// Passes every complete event of <paramref name="buffer"/> on, leaving an incomplete tail in it; false when that
    /// tail is over <see cref="SseTail.MaxBytes"/>.
    /// </summary>
    public bool Process(ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output)
    {
        if (!_tail.MayHoldEvent(buffer))
        {
            return true;
        }
        var run = buffer;
        var runLength = 0L;
        while (SseEventSplitter.TryRead(ref buffer, out var sseEvent, out var isSingleLine))
        {
            if (Keep(sseEvent, isSingleLine))
            {
                runLength += sseEvent.Length;
                continue;
            }
            Write(run.Slice(0, runLength), output);
            run = buffer;
            runLength = 0;
        }
        Write(run.Slice(0, runLength), output);
        return _tail.Searched(buffer);
    }

    /// <summary>At the end of the body: the spec drops an unterminated last event, but a provider that forgot the blank line still meant it.</summary>
    public void ProcessRemainder(in ReadOnlySequence<byte> remainder, IBufferWriter<byte> output)
    {
        if (!remainder.IsEmpty && Keep(remainder, isSingleLine: false))
        {
            Write(remainder, output);
        }
    }

    /// <summary>The message of an error event's <c>error</c> object (OpenAI's and Anthropic's share it), for <see cref="EarlyError"/>.</summary>
    protected static (string? Type, string Message) ErrorOf(ReadOnlySpan<byte> data)
    {
        string? type = null, message = null;
        try
        {
            var reader = new Utf8JsonReader(data);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 2)
                {
                    var field = reader.ValueTextEquals("type"u8) ? 1 : reader.ValueTextEquals("message"u8) ? 2 : 0;
                    reader.Read();
                    if (field > 0 && reader.TokenType == JsonTokenType.String)
                    {
                        (type, message) = field == 1 ? (JsonStringReader.ReadText(ref reader), message) : (type, JsonStringReader.ReadText(ref reader));
                    }
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Malformed, a value of the wrong type, or text that is not Unicode: the reason stays generic below.
        }
        return (type, message ?? "the provider ended its stream with an error event before any content");
    }

    /// <summary>Looks at one whole event (blank line included) and says whether the client gets it.</summary>
    protected abstract bool Keep(ReadOnlySequence<byte> sseEvent, bool isSingleLine);

    private static void Write(in ReadOnlySequence<byte> bytes, IBufferWriter<byte> output)
    {
        foreach (var segment in bytes)
        {
            output.Write(segment.Span);
        }
    }
}
