using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Providers.OpenAI;
using LlmProxy.Streaming;
using LlmProxy.Wire.Anthropic;

namespace LlmProxy.Providers.Anthropic;

/// <summary>
/// Reads a Messages answer into canonical events. The stream grammar
/// (https://docs.anthropic.com/en/docs/build-with-claude/streaming): <c>message_start</c>, then per content block
/// <c>content_block_start</c>, deltas and <c>content_block_stop</c>, then <c>message_delta</c> (stop reason, output
/// usage) and <c>message_stop</c>; <c>ping</c> and unknown events may appear anywhere and are ignored. Tool calls
/// are numbered per tool call, not per content block, because text and thinking blocks sit between them. Anthropic
/// streams have no [DONE]: message_stop is the only end signal, so a body that ends without it was cut off.
/// </summary>
internal sealed partial class AnthropicAnswerTranslator(string? jsonToolName, long createdUnixSeconds) : SseAnswerTranslator
{
    // A content block index beyond this is not a real answer; it would only grow the table.
    private const int MaxBlocks = 4096;

    private BlockKind[] _kinds = new BlockKind[8];
    private int[] _toolIndexes = new int[8];
    private int _toolCount;
    private bool _jsonAnswered;
    private AnthropicUsage _usage;
    private string? _stopSequence;
    private readonly JsonStringReader _strings = new();

    private enum BlockKind : byte
    {
        NotStarted,
        Ignored,
        Text,
        Thinking,
        ToolUse,
        JsonAnswer,
    }

    private enum DeltaKind : byte
    {
        Other,
        Text,
        Thinking,
        Signature,
        InputJson,
    }


    public override ProviderError? TranslateEvent(in SseEvent sseEvent, IStreamEventSink sink)
    {
        try
        {
            var type = sseEvent.EventType;
            var reader = new Utf8JsonReader(sseEvent.Data);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ProviderError.Invalid("an event whose data is not a JSON object");
            }
            if (type.SequenceEqual("content_block_delta"u8))
            {
                return OnBlockDelta(ref reader, sink);
            }
            if (type.SequenceEqual("content_block_start"u8))
            {
                return OnBlockStart(ref reader, sink);
            }
            if (type.SequenceEqual("message_start"u8))
            {
                OnMessageStart(ref reader, sink);
            }
            else if (type.SequenceEqual("message_delta"u8))
            {
                OnMessageDelta(ref reader, sink);
            }
            else if (type.SequenceEqual("message_stop"u8))
            {
                Finished = true;
            }
            else if (type.SequenceEqual("error"u8))
            {
                return StreamError(sseEvent.Data);
            }
            return null;
        }
        catch (JsonException)
        {
            return ProviderError.Invalid("an event that is not valid JSON");
        }
        catch (InvalidOperationException)
        {
            return ProviderError.Invalid("an event with a value of the wrong type");
        }
    }

    /// <summary>An <c>event: error</c> mid-stream, e.g. overloaded_error: the status its type stands for, so retry rules apply.</summary>
    private static ProviderError StreamError(ReadOnlySpan<byte> data)
    {
        var error = OpenAIErrorMapper.Map(0, data, null);
        return error with { Status = AnthropicErrorTypes.StatusOf(error.Type) };
    }


    private void OnMessageStart(ref Utf8JsonReader reader, IStreamEventSink sink)
    {
        string id = "", model = "";
        var unused = FinishReason.Stop;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMessage = reader.ValueTextEquals("message"u8);
            reader.Read();
            if (isMessage && reader.TokenType == JsonTokenType.StartObject)
            {
                ReadMessageHeader(ref reader, ref id, ref model, ref unused);
            }
            else
            {
                reader.Skip();
            }
        }
        sink.Start(new StreamStart(id, model, createdUnixSeconds));
    }

    /// <summary>Reads id, model, stop reason and usage of a message object, skipping the rest (content is read by the caller where there is any).</summary>
    private void ReadMessageHeader(ref Utf8JsonReader reader, ref string id, ref string model, ref FinishReason reason)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.GetString() ?? "";
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                model = reader.GetString() ?? "";
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                _usage = _usage.MergeWith(AnthropicUsage.Read(ref reader));
            }
            else if (reader.ValueTextEquals("stop_reason"u8))
            {
                reader.Read();
                reason = reader.TokenType == JsonTokenType.String ? AnthropicStopReasons.Parse(reader.ValueSpan) : reason;
            }
            else if (reader.ValueTextEquals("stop_sequence"u8))
            {
                reader.Read();
                _stopSequence = reader.TokenType == JsonTokenType.String ? reader.GetString() : _stopSequence;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private ProviderError? OnBlockStart(ref Utf8JsonReader reader, IStreamEventSink sink)
    {
        var index = -1;
        var kind = BlockKind.Ignored;
        string? id = null, name = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                reader.Read();
                index = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number) ? number : -1;
            }
            else if (reader.ValueTextEquals("content_block"u8))
            {
                reader.Read();
                kind = ReadBlockHeader(ref reader, out id, out name);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (index is < 0 or >= MaxBlocks)
        {
            return ProviderError.Invalid($"a content block index of {index}");
        }
        return OpenBlock(index, kind, id, name, sink);
    }

    private BlockKind ReadBlockHeader(ref Utf8JsonReader reader, out string? id, out string? name)
    {
        id = name = null;
        var kind = BlockKind.Ignored;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return kind;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                kind = ReadBlockKind(ref reader);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.GetString();
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                name = reader.GetString();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return kind;
    }

    /// <summary>Reads a block's <c>type</c> value (the reader is on the property name).</summary>
    private static BlockKind ReadBlockKind(ref Utf8JsonReader reader)
    {
        reader.Read();
        // redacted_thinking, server_tool_use and tool results have no place in the canonical answer.
        return reader.ValueTextEquals("text"u8) ? BlockKind.Text
            : reader.ValueTextEquals("thinking"u8) ? BlockKind.Thinking
            : reader.ValueTextEquals("tool_use"u8) ? BlockKind.ToolUse
            : BlockKind.Ignored;
    }

    private ProviderError? OpenBlock(int index, BlockKind kind, string? id, string? name, IStreamEventSink sink)
    {
        if (index >= _kinds.Length)
        {
            Array.Resize(ref _kinds, Math.Max(index + 1, _kinds.Length * 2));
            Array.Resize(ref _toolIndexes, _kinds.Length);
        }
        if (kind == BlockKind.ToolUse)
        {
            if (id is null || name is null)
            {
                return ProviderError.Invalid("a tool_use block without an id or a name");
            }
            if (name == jsonToolName)
            {
                kind = BlockKind.JsonAnswer;
                _jsonAnswered = true;
            }
            else
            {
                _toolIndexes[index] = _toolCount;
                sink.ToolCallStart(_toolCount++, id, name);
            }
        }
        _kinds[index] = kind;
        return null;
    }

    private ProviderError? OnBlockDelta(ref Utf8JsonReader reader, IStreamEventSink sink)
    {
        var index = -1;
        var deltaKind = DeltaKind.Other;
        scoped ReadOnlySpan<byte> value = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                reader.Read();
                index = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number) ? number : -1;
            }
            else if (reader.ValueTextEquals("delta"u8))
            {
                reader.Read();
                value = ReadDelta(ref reader, out deltaKind);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (index < 0 || index >= _kinds.Length || _kinds[index] == BlockKind.NotStarted)
        {
            return ProviderError.Invalid($"a delta for content block {index}, which was never started");
        }
        switch (_kinds[index], deltaKind)
        {
            case (BlockKind.Text, DeltaKind.Text):
                sink.TextDelta(value);
                break;
            case (BlockKind.Thinking, DeltaKind.Thinking):
                sink.ReasoningDelta(value);
                break;
            case (BlockKind.Thinking, DeltaKind.Signature):
                sink.ReasoningSignature(value);
                break;
            case (BlockKind.ToolUse, DeltaKind.InputJson) when !value.IsEmpty:
                sink.ToolCallArgumentsDelta(_toolIndexes[index], value);
                break;
            case (BlockKind.JsonAnswer, DeltaKind.InputJson):
                sink.TextDelta(value);
                break;
        }
        return null;
    }

    /// <summary>Reads a delta object: its type, and its one payload string unescaped.</summary>
    private ReadOnlySpan<byte> ReadDelta(scoped ref Utf8JsonReader reader, out DeltaKind kind)
    {
        ReadOnlySpan<byte> value = default;
        kind = DeltaKind.Other;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return value;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                kind = reader.ValueTextEquals("text_delta"u8) ? DeltaKind.Text
                    : reader.ValueTextEquals("input_json_delta"u8) ? DeltaKind.InputJson
                    : reader.ValueTextEquals("thinking_delta"u8) ? DeltaKind.Thinking
                    : reader.ValueTextEquals("signature_delta"u8) ? DeltaKind.Signature
                    : DeltaKind.Other;
            }
            else if (reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("partial_json"u8)
                || reader.ValueTextEquals("thinking"u8) || reader.ValueTextEquals("signature"u8))
            {
                reader.Read();
                value = reader.TokenType == JsonTokenType.String ? _strings.Read(ref reader) : default;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return value;
    }

    private void OnMessageDelta(ref Utf8JsonReader reader, IStreamEventSink sink)
    {
        var reason = FinishReason.Stop;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("delta"u8))
            {
                reader.Read();
                reason = ReadStopReason(ref reader);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                _usage = _usage.MergeWith(AnthropicUsage.Read(ref reader));
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        sink.Finish(FinalReason(reason), _stopSequence);
        sink.ReportUsage(_usage.ToCanonical());
    }

    /// <summary>The input <c>message_start</c> reported (and any output since), when the stream is cut before <c>message_delta</c>.</summary>
    public override void ReportPartialUsage(IStreamEventSink sink)
    {
        if (_usage != default)
        {
            sink.ReportUsage(_usage.ToCanonical());
        }
    }

    /// <summary>Reads message_delta's <c>delta</c>: the stop reason, and the stop sequence that matched, if one did.</summary>
    private FinishReason ReadStopReason(ref Utf8JsonReader reader)
    {
        var reason = FinishReason.Stop;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return reason;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals("stop_reason"u8) ? 1 : reader.ValueTextEquals("stop_sequence"u8) ? 2 : 0;
            reader.Read();
            if (field == 1 && reader.TokenType == JsonTokenType.String)
            {
                reason = AnthropicStopReasons.Parse(reader.ValueSpan);
            }
            else if (field == 2 && reader.TokenType == JsonTokenType.String)
            {
                _stopSequence = reader.GetString();
            }
            reader.Skip();
        }
        return reason;
    }

    // The forced JSON-answer tool is the answer itself, so stopping "to use" it is a normal stop.
    private FinishReason FinalReason(FinishReason reason) =>
        reason == FinishReason.ToolCalls && _jsonAnswered && _toolCount == 0 ? FinishReason.Stop : reason;
}
