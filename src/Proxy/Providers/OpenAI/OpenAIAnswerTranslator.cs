using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Streaming;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Providers.OpenAI;

/// <summary>
/// Reads a Chat Completions answer into canonical events: a <c>chat.completion</c> body, or a stream of
/// <c>chat.completion.chunk</c> events ended by <c>data: [DONE]</c>. Only the first choice is read. Reasoning comes
/// as <c>reasoning_content</c> (DeepSeek, vLLM) or <c>reasoning</c> (Ollama, OpenRouter). Tool calls keep the
/// provider's own index; the id and name come on a call's first delta, the arguments in fragments after (as JSON
/// text, or, from some compatible servers, as an object, taken whole). A <c>refusal</c> is the answer's text and ends
/// it as a content filter; vLLM's <c>stop_reason</c> names the stop sequence that ended it; <c>content</c> given as
/// parts (Mistral's reasoning models) is read part by part. A body that is not a completion (no choices, a message
/// that is not an object, a call without an id) is an invalid answer, never an empty one.
/// </summary>
internal sealed class OpenAIAnswerTranslator(long createdUnixSeconds) : SseAnswerTranslator
{
    private const int MaxToolCalls = 1024;

    private bool _started;
    private string? _id;
    private string? _model;
    private bool[] _toolStarted = new bool[4];
    private int _lastToolIndex = -1;
    private bool _refused;
    private readonly JsonStringReader _strings = new();


    public override ProviderError? TranslateEvent(in SseEvent sseEvent, IStreamEventSink sink)
    {
        if (sseEvent.Data.SequenceEqual("[DONE]"u8))
        {
            Finished = true;
            return null;
        }
        return Translate(sseEvent.Data, sink, isBody: false);
    }

    public override ProviderError? TranslateBody(ReadOnlySpan<byte> body, IStreamEventSink sink)
    {
        var error = Translate(body, sink, isBody: true);
        Finished = error is null;
        return error;
    }

    private ProviderError? Translate(ReadOnlySpan<byte> json, IStreamEventSink sink, bool isBody)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ProviderError.Invalid("data that is not a JSON object");
            }
            FinishReason? finish = null;
            string? stopSequence = null;
            TokenUsage? usage = null;
            var hasChoice = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    hasChoice = reader.TokenType == JsonTokenType.StartArray;
                    if (ReadChoices(ref reader, json, sink, isBody, ref finish, ref stopSequence, ref hasChoice) is { } choiceError)
                    {
                        return choiceError;
                    }
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    _id ??= reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0 ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    _model ??= reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    usage = OpenAIUsageReader.ReadMember(ref reader);
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    // An error sent as a stream event (or a 200 body) has no status of its own: a server error.
                    return OpenAIErrorMapper.Map(500, json, null);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (isBody && !hasChoice)
            {
                return ProviderError.Invalid("a completion without a choice");
            }
            if (isBody || finish is not null || usage is not null)
            {
                EnsureStarted(sink);
            }
            if (finish is { } reason)
            {
                sink.Finish(FinalReason(reason, stopSequence), stopSequence);
            }
            if (usage is { } tokens)
            {
                sink.ReportUsage(tokens);
            }
            return null;
        }
        catch (JsonException)
        {
            return ProviderError.Invalid("data that is not valid JSON");
        }
        catch (InvalidOperationException)
        {
            return ProviderError.Invalid("a value of the wrong type");
        }
    }

    private void EnsureStarted(IStreamEventSink sink)
    {
        if (!_started)
        {
            _started = true;
            sink.Start(new StreamStart(_id ?? "chatcmpl-" + Guid.NewGuid().ToString("N"), _model ?? "", createdUnixSeconds));
        }
    }


    private FinishReason FinalReason(FinishReason reason, string? stopSequence) => reason switch
    {
        FinishReason.Stop when _refused => FinishReason.ContentFilter,
        FinishReason.Stop when stopSequence is not null => FinishReason.StopSequence,
        _ => reason,
    };

    private ProviderError? ReadChoices(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, IStreamEventSink sink, bool isBody, ref FinishReason? finish,
        ref string? stopSequence, ref bool hasChoice)
    {
        if (!JsonFirstElement.TryEnter(ref reader))
        {
            hasChoice = false;
            return null;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null && !isBody)
                {
                    continue; // some servers send "delta": null with the finish
                }
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return ProviderError.Invalid("a choice whose message is not an object");
                }
                if (ReadMessage(ref reader, json, sink, isBody) is { } error)
                {
                    return error;
                }
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                reader.Read();
                finish = reader.TokenType == JsonTokenType.String ? OpenAIFinishReasons.Parse(reader.ValueSpan) : finish;
            }
            else if (reader.ValueTextEquals("stop_reason"u8))
            {
                // vLLM: the stop string that matched (or a stop token id, a number, which names no sequence).
                reader.Read();
                stopSequence = reader.TokenType == JsonTokenType.String ? reader.GetString() : stopSequence;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        JsonFirstElement.SkipRest(ref reader);
        return null;
    }

    private ProviderError? ReadMessage(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, IStreamEventSink sink, bool isBody)
    {
        EnsureStarted(sink);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                {
                    sink.TextDelta(_strings.Read(ref reader));
                }
                else if (reader.TokenType == JsonTokenType.StartArray)
                {
                    ReadContentParts(ref reader, sink);
                }
                else if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
                {
                    return ProviderError.Invalid("a message content that is neither text nor parts");
                }
            }
            else if (reader.ValueTextEquals("refusal"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                {
                    _refused = true;
                    sink.TextDelta(_strings.Read(ref reader));
                }
            }
            else if (reader.ValueTextEquals("reasoning_content"u8) || reader.ValueTextEquals("reasoning"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                {
                    sink.ReasoningDelta(_strings.Read(ref reader));
                }
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                reader.Read();
                if (ReadToolCalls(ref reader, json, sink, isBody) is { } error)
                {
                    return error;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return null;
    }

    /// <summary>
    /// Content as parts: <c>{"type":"text","text"}</c>, and Mistral's <c>{"type":"thinking","thinking":[text parts]}</c>
    /// as reasoning. Rare shapes, so strings are read whole rather than as spans.
    /// </summary>
    private static void ReadContentParts(ref Utf8JsonReader reader, IStreamEventSink sink)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? type = null, text = null;
            List<string>? thinking = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = reader.ValueTextEquals("type"u8) ? 1 : reader.ValueTextEquals("text"u8) ? 2 : reader.ValueTextEquals("thinking"u8) ? 3 : 0;
                reader.Read();
                if (field is 1 or 2 && reader.TokenType == JsonTokenType.String)
                {
                    (type, text) = field == 1 ? (reader.GetString(), text) : (type, reader.GetString());
                }
                else if (field == 3 && reader.TokenType == JsonTokenType.StartArray)
                {
                    thinking = [];
                    ReadTexts(ref reader, thinking);
                }
                else
                {
                    reader.Skip();
                }
            }
            if (type == "text" && !string.IsNullOrEmpty(text))
            {
                sink.TextDelta(System.Text.Encoding.UTF8.GetBytes(text));
            }
            else if (type == "thinking" && thinking is not null)
            {
                foreach (var piece in thinking)
                {
                    sink.ReasoningDelta(System.Text.Encoding.UTF8.GetBytes(piece));
                }
            }
        }
    }

    private static void ReadTexts(ref Utf8JsonReader reader, List<string> texts)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isText = reader.ValueTextEquals("text"u8);
                reader.Read();
                if (isText && reader.TokenType == JsonTokenType.String)
                {
                    texts.Add(reader.GetString()!);
                }
                else
                {
                    reader.Skip();
                }
            }
        }
    }

    private ProviderError? ReadToolCalls(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, IStreamEventSink sink, bool isBody)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }
        var position = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            int? index = null;
            string? id = null, name = null;
            scoped ReadOnlySpan<byte> arguments = default;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("index"u8))
                {
                    reader.Read();
                    index = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number) ? number : -1;
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    id = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("function"u8))
                {
                    reader.Read();
                    arguments = ReadFunction(ref reader, json, ref name);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            // A whole (non-stream) message lists calls without an index, each with its id: their position is it.
            if (isBody && id is null)
            {
                return ProviderError.Invalid($"tool call {position} without an id");
            }
            var at = isBody ? position : index ?? (id is not null ? position : Math.Max(_lastToolIndex, 0));
            position++;
            if (at is < 0 or >= MaxToolCalls)
            {
                return ProviderError.Invalid($"a tool call index of {at}");
            }
            if (at >= _toolStarted.Length)
            {
                Array.Resize(ref _toolStarted, Math.Max(at + 1, _toolStarted.Length * 2));
            }
            if (!_toolStarted[at])
            {
                if (id is null || name is null)
                {
                    return ProviderError.Invalid($"tool call {at} without an id or a name on its first delta");
                }
                _toolStarted[at] = true;
                _lastToolIndex = at;
                sink.ToolCallStart(at, id, name);
            }
            if (!arguments.IsEmpty)
            {
                sink.ToolCallArgumentsDelta(at, arguments);
            }
        }
        return null;
    }

    /// <summary>Reads a tool call's function object: its name, and its arguments fragment (returned, unescaped).</summary>
    private ReadOnlySpan<byte> ReadFunction(scoped ref Utf8JsonReader reader, ReadOnlySpan<byte> json, ref string? name)
    {
        ReadOnlySpan<byte> arguments = default;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return arguments;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                name = reader.TokenType == JsonTokenType.String ? reader.GetString() : name;
            }
            else if (reader.ValueTextEquals("arguments"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    arguments = _strings.Read(ref reader);
                }
                else if (reader.TokenType == JsonTokenType.StartObject)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    arguments = JsonStringReader.ValidUtf8(json[start..(int)reader.BytesConsumed]);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return arguments;
    }
}
