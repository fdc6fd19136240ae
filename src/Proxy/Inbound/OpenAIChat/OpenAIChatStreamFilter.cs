using System.Buffers;
using LlmProxy.Canonical;
using LlmProxy.Streaming;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAIChat;

/// <summary>
/// Decides, event by event, what of a provider's Chat Completions stream reaches the client, and learns the usage,
/// the end marker and any provider error on the way. Events are copied out whole and unchanged; only chunks the
/// client would not expect are dropped: Azure's content-filter annotations (empty id; the opening prompt-filter
/// chunk has no choices, which breaks clients that read <c>choices[0]</c>), and the usage chunk when the proxy,
/// not the client, asked for it. Allocation-free per event.
/// </summary>
internal sealed class OpenAIChatStreamFilter(bool clientWantsUsage)
{
    private readonly SseEventParser _parser = new();

    /// <summary>True once <c>data: [DONE]</c> went by.</summary>
    public bool Done { get; private set; }

    public bool ProviderSentError { get; private set; }

    public TokenUsage? Usage { get; private set; }

    /// <summary>
    /// Passes every complete event of <paramref name="buffer"/> on, leaving an incomplete tail in it. Kept events
    /// are written in runs, one write per run of consecutive kept events, not one per event: each write into the
    /// response takes the server's lock.
    /// </summary>
    public void Process(ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output)
    {
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
    }

    /// <summary>At the end of the body: the spec drops an unterminated last event, but a provider that forgot the blank line still meant it.</summary>
    public void ProcessRemainder(in ReadOnlySequence<byte> remainder, IBufferWriter<byte> output)
    {
        if (!remainder.IsEmpty && Keep(remainder, isSingleLine: false))
        {
            Write(remainder, output);
        }
    }

    private static void Write(in ReadOnlySequence<byte> bytes, IBufferWriter<byte> output)
    {
        foreach (var segment in bytes)
        {
            output.Write(segment.Span);
        }
    }

    private bool Keep(ReadOnlySequence<byte> sseEvent, bool isSingleLine)
    {
        ReadOnlySpan<byte> data;
        if (!isSingleLine || !SingleDataLine(sseEvent.FirstSpan, out data))
        {
            var parsed = _parser.Parse(sseEvent);
            if (!parsed.HasData)
            {
                return true; // comments keep idle connections alive through load balancers.
            }
            data = parsed.Data;
        }
        if (data.SequenceEqual("[DONE]"u8))
        {
            Done = true;
            return true;
        }
        var kind = OpenAIChunkInspector.Inspect(data, out var usage);
        if (usage is not null)
        {
            Usage = usage;
        }
        switch (kind)
        {
            case OpenAIChunkKind.Error:
                ProviderSentError = true;
                return true;
            case OpenAIChunkKind.NoChoices:
                return usage is not null && clientWantsUsage;
            case OpenAIChunkKind.Annotation:
                return false;
            default:
                return true;
        }
    }

    // One "data:" line, the shape of nearly every event of an OpenAI-format stream: its payload without a second pass.
    private static bool SingleDataLine(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> data)
    {
        data = default;
        if (!line.StartsWith("data:"u8))
        {
            return false;
        }
        var payload = line[5..].TrimEnd("\r\n"u8);
        data = payload.StartsWith(" "u8) ? payload[1..] : payload;
        return true;
    }
}
