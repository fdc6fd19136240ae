using System.Buffers;
using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Streaming;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAIChat;

/// <summary>
/// The Chat Completions relay filter: only chunks the client would not expect are dropped: Azure's content-filter
/// annotations (empty id; the opening prompt-filter chunk has no choices, which breaks clients that read
/// <c>choices[0]</c>), and the usage chunk when the proxy, not the client, asked for it. Allocation-free per event.
/// </summary>
internal sealed class OpenAIChatStreamFilter(bool clientWantsUsage) : SseRelayFilter
{
    private readonly SseEventParser _parser = new();

    protected override bool Keep(ReadOnlySequence<byte> sseEvent, bool isSingleLine)
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
                if (!ContentStarted)
                {
                    // A server error by its kind: worth another deployment.
                    var (type, message) = ErrorOf(data);
                    EarlyError = new ProviderError(ProviderErrorKind.UpstreamStatus, message) { Status = 500, Type = type };
                }
                return true;
            case OpenAIChunkKind.NoChoices:
                return usage is not null && clientWantsUsage;
            case OpenAIChunkKind.Annotation:
                return false;
            default:
                // Once content started, every chunk with choices is one more piece of it (the last carries the finish reason).
                if (ContentStarted || OpenAIChunkContent.IsPresent(data))
                {
                    ContentStarted = true;
                    ContentEvents++;
                }
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
