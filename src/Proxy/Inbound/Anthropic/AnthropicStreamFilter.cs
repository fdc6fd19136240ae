using System.Buffers;
using System.Text.Json;
using LlmProxy.Providers;
using LlmProxy.Streaming;
using LlmProxy.Wire.Anthropic;

namespace LlmProxy.Inbound.Anthropic;

/// <summary>
/// The Messages relay filter: every event goes to the client unchanged; on the way the proxy reads the usage from
/// <c>message_start</c> (input and cache) and <c>message_delta</c> (output), the end from <c>message_stop</c>, and
/// notes an <c>error</c> event. Content deltas, nearly all of a stream, are recognised by their event line alone.
/// </summary>
internal sealed class AnthropicStreamFilter : SseRelayFilter
{
    private readonly SseEventParser _parser = new();
    private AnthropicUsage _usage;

    protected override bool Keep(ReadOnlySequence<byte> sseEvent, bool isSingleLine)
    {
        if (sseEvent.FirstSpan.StartsWith("event: content_block_delta"u8))
        {
            ContentStarted = true;
            ContentEvents++;
            return true;
        }
        var parsed = _parser.Parse(sseEvent);
        var type = parsed.EventType;
        if (type.SequenceEqual("message_start"u8) || type.SequenceEqual("message_delta"u8))
        {
            _usage = _usage.MergeWith(FindUsage(parsed.Data));
            Usage = _usage.ToCanonical();
            ContentStarted |= type.SequenceEqual("message_delta"u8);
        }
        else if (type.SequenceEqual("message_stop"u8))
        {
            Done = true;
            ContentStarted = true;
        }
        else if (type.SequenceEqual("error"u8))
        {
            ProviderSentError = true;
            if (!ContentStarted)
            {
                // overloaded_error before any content: the status its type stands for (529), so it is retried elsewhere.
                var (errorType, message) = ErrorOf(parsed.Data);
                EarlyError = new ProviderError(ProviderErrorKind.UpstreamStatus, message) { Status = AnthropicErrorTypes.StatusOf(errorType), Type = errorType };
            }
        }
        return true;
    }

    /// <summary>The first <c>usage</c> object at any depth (message_start nests it in <c>message</c>).</summary>
    private static AnthropicUsage FindUsage(ReadOnlySpan<byte> data)
    {
        try
        {
            var reader = new Utf8JsonReader(data);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    return AnthropicUsage.Read(ref reader);
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // A broken event is the client's to see; the proxy only loses its count.
        }
        return default;
    }
}
