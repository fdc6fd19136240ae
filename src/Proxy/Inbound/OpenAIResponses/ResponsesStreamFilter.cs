using System.Buffers;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Streaming;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// The relay filter for a native Responses stream: every event passes unchanged; the stream's opening
/// (<c>response.created</c>, <c>response.in_progress</c>, <c>response.queued</c>) is held back until the first item
/// event, <c>response.completed</c> / <c>response.incomplete</c> end it and carry the usage, and an <c>error</c> or
/// <c>response.failed</c> before any content lets another deployment answer. When the answer is to be stored, the
/// terminal event is held back too, so the proxy's copy is durable before the client hears the response is complete.
/// </summary>
internal sealed class ResponsesStreamFilter(bool keepFinal) : SseRelayFilter
{
    private readonly SseEventParser _parser = new();

    /// <summary>When asked for, the Response object of the terminal event (UTF-8 JSON), for the store; null until it went by.</summary>
    public byte[]? Final { get; private set; }

    /// <summary>When asked for, the terminal event itself, held back: the caller sends it once the copy is stored.</summary>
    public byte[]? HeldFinalEvent { get; private set; }

    /// <summary>The last <c>sequence_number</c> the provider sent (-1 before any): an error the proxy adds goes on from it.</summary>
    public int LastSequenceNumber { get; private set; } = -1;

    protected override bool Keep(ReadOnlySequence<byte> sseEvent, bool isSingleLine)
    {
        var parsed = _parser.Parse(sseEvent);
        if (!parsed.HasData)
        {
            return true; // comments keep idle connections alive through load balancers.
        }
        var data = parsed.Data;
        var (type, usage, message, sequence) = Inspect(data);
        if (usage is not null)
        {
            Usage = usage;
        }
        LastSequenceNumber = Math.Max(LastSequenceNumber, sequence);
        switch (type)
        {
            case Kind.Opening:
                break;
            case Kind.End:
                Done = true;
                if (keepFinal && ResponseMember(data) is { } final)
                {
                    Final = final;
                    HeldFinalEvent = sseEvent.ToArray();
                    return false;
                }
                break;
            case Kind.Failure:
                Done = true;
                ProviderSentError = true;
                if (!ContentStarted)
                {
                    // A server error by its kind: worth another deployment.
                    EarlyError = new ProviderError(ProviderErrorKind.UpstreamStatus, message ?? "the provider's stream failed before any content") { Status = 500 };
                }
                break;
            case Kind.Delta:
                ContentStarted = true;
                ContentEvents++;
                break;
            default:
                ContentStarted = true;
                break;
        }
        return true;
    }

    // The "response" member of a terminal event, copied whole.
    private static byte[]? ResponseMember(ReadOnlySpan<byte> data)
    {
        try
        {
            var reader = new Utf8JsonReader(data);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("response"u8))
                {
                    reader.Read();
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    return reader.TokenType == JsonTokenType.EndObject ? data[start..(int)reader.BytesConsumed].ToArray() : null;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Malformed, or a name that is not text: nothing to keep.
        }
        return null;
    }

    private enum Kind
    {
        Content,
        Delta, // response.output_text.delta, response.function_call_arguments.delta, ...: a piece of the answer
        Opening,
        End,
        Failure,
    }

    // The event's type and sequence number, and for the events that end a stream its usage and error message;
    // allocation-free but for the message.
    private static (Kind Type, TokenUsage? Usage, string? Message, int Sequence) Inspect(ReadOnlySpan<byte> data)
    {
        var kind = Kind.Content;
        TokenUsage? usage = null;
        string? message = null;
        var sequence = -1;
        try
        {
            var reader = new Utf8JsonReader(data);
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }
                if (reader.CurrentDepth == 1 && reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    kind = reader.ValueTextEquals("response.created"u8) || reader.ValueTextEquals("response.in_progress"u8) || reader.ValueTextEquals("response.queued"u8) ? Kind.Opening
                        : reader.ValueTextEquals("response.completed"u8) || reader.ValueTextEquals("response.incomplete"u8) ? Kind.End
                        : reader.ValueTextEquals("response.failed"u8) || reader.ValueTextEquals("error"u8) ? Kind.Failure
                        : reader.ValueSpan.EndsWith(".delta"u8) ? Kind.Delta
                        : Kind.Content;
                    // OpenAI writes sequence_number right after type.
                    if (reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("sequence_number"u8) && reader.Read()
                        && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number))
                    {
                        sequence = number;
                    }
                    if (kind is Kind.Content or Kind.Delta or Kind.Opening)
                    {
                        return (kind, null, null, sequence); // deltas and the opening carry no usage: the rest is not read
                    }
                }
                else if (reader.CurrentDepth == 2 && reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    usage = reader.TokenType == JsonTokenType.StartObject ? OpenAIUsageReader.ReadResponses(ref reader) : null;
                }
                else if (message is null && reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    message = reader.TokenType == JsonTokenType.String ? JsonStringReader.ReadText(ref reader) : null;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Malformed or not text: passed on as it is; the client's SDK says what it makes of it.
        }
        return (kind, usage, message, sequence);
    }
}
