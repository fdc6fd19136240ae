using System.Buffers;
using System.Text;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Streaming;

namespace LlmProxy.Providers.Bedrock;

/// <summary>
/// Reads Converse answers into canonical events. ConverseStream sends AWS event-stream messages: messageStart,
/// contentBlockStart (tool use), contentBlockDelta (text, toolUse input fragments, reasoning text and signature),
/// contentBlockStop, messageStop (the stop reason), then metadata (usage), which ends the stream. Exception messages
/// (throttlingException...) become provider errors with the status they stand for, so retry rules apply.
/// </summary>
internal sealed partial class BedrockAnswerTranslator(string model, string? jsonToolName, long createdUnixSeconds) : IAnswerTranslator
{
    private const int MaxBlocks = 4096;
    private readonly AwsEventStreamDecoder _decoder = new();
    private readonly JsonStringReader _strings = new();
    private int[] _toolIndexes = new int[8];
    private BlockKind[] _kinds = new BlockKind[8];
    private int _toolCount;
    private bool _jsonAnswered;
    private bool _started;
    private bool _stopped;

    private enum BlockKind : byte
    {
        Content,
        ToolUse,
        JsonAnswer,
    }

    public bool Finished { get; private set; }

    public ProviderError? TranslateFrames(ref ReadOnlySequence<byte> buffer, bool isLast, IStreamEventSink sink)
    {
        while (true)
        {
            var status = _decoder.TryRead(ref buffer, out var message);
            if (status == OperationStatus.InvalidData)
            {
                return ProviderError.Invalid(_decoder.Error);
            }
            if (status != OperationStatus.Done)
            {
                break;
            }
            if (Translate(message, sink) is { } error)
            {
                return error;
            }
        }
        if (isLast)
        {
            // A stream that stopped but lost its usage frame is still a whole answer.
            Finished |= _stopped;
            if (!buffer.IsEmpty)
            {
                return ProviderError.Invalid("an incomplete event-stream message at the end of the stream");
            }
        }
        return null;
    }

    private ProviderError? Translate(in AwsEventMessage message, IStreamEventSink sink)
    {
        if (!message.IsEvent)
        {
            return Exception(message);
        }
        try
        {
            var reader = new Utf8JsonReader(message.Payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ProviderError.Invalid("an event whose payload is not a JSON object");
            }
            var type = message.EventType;
            if (type.SequenceEqual("contentBlockDelta"u8))
            {
                return OnDelta(ref reader, sink);
            }
            if (type.SequenceEqual("messageStart"u8))
            {
                EnsureStarted(sink);
            }
            else if (type.SequenceEqual("contentBlockStart"u8))
            {
                return OnBlockStart(ref reader, sink);
            }
            else if (type.SequenceEqual("messageStop"u8))
            {
                OnStop(ref reader, sink);
            }
            else if (type.SequenceEqual("metadata"u8))
            {
                OnMetadata(ref reader, sink);
            }
            return null;
        }
        catch (JsonException)
        {
            return ProviderError.Invalid("an event whose payload is not valid JSON");
        }
        catch (InvalidOperationException)
        {
            return ProviderError.Invalid("an event with a value of the wrong type");
        }
    }

    // The statuses ConverseStream's documented exceptions stand for: throttling and unavailability are worth another
    // deployment, a validation error is not.
    private static ProviderError Exception(in AwsEventMessage message)
    {
        var type = Encoding.UTF8.GetString(message.ExceptionType.IsEmpty ? message.EventType : message.ExceptionType);
        var status = type switch
        {
            "throttlingException" => 429,
            "serviceUnavailableException" => 503,
            "modelTimeoutException" => 408,
            "validationException" => 400,
            "accessDeniedException" => 403,
            _ => 500,
        };
        return new ProviderError(ProviderErrorKind.UpstreamStatus, $"{type}: {BedrockErrorMapper.MessageOf(message.Payload)}") { Status = status, Type = type };
    }


    private void EnsureStarted(IStreamEventSink sink)
    {
        if (!_started)
        {
            _started = true;
            // Converse names no message id; one is minted so clients have one.
            sink.Start(new StreamStart("bedrock-" + Guid.NewGuid().ToString("N"), model, createdUnixSeconds));
        }
    }

    private ProviderError? OnBlockStart(ref Utf8JsonReader reader, IStreamEventSink sink)
    {
        var index = -1;
        string? id = null, name = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("contentBlockIndex"u8))
            {
                reader.Read();
                index = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number) ? number : -1;
            }
            else if (reader.ValueTextEquals("start"u8))
            {
                reader.Read();
                ReadToolUseStart(ref reader, ref id, ref name);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (!TryTrack(index))
        {
            return ProviderError.Invalid($"a content block index of {index}");
        }
        if (id is null || name is null)
        {
            return null; // a start without a tool use opens an ordinary block
        }
        EnsureStarted(sink);
        if (name == jsonToolName)
        {
            _kinds[index] = BlockKind.JsonAnswer;
            _jsonAnswered = true;
            return null;
        }
        _kinds[index] = BlockKind.ToolUse;
        _toolIndexes[index] = _toolCount;
        sink.ToolCallStart(_toolCount++, id, name);
        return null;
    }

    private static void ReadToolUseStart(ref Utf8JsonReader reader, ref string? id, ref string? name)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isToolUse = reader.ValueTextEquals("toolUse"u8);
            reader.Read();
            if (!isToolUse || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = reader.ValueTextEquals("toolUseId"u8) ? 1 : reader.ValueTextEquals("name"u8) ? 2 : 0;
                reader.Read();
                if (field == 1)
                {
                    id = reader.GetString();
                }
                else if (field == 2)
                {
                    name = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }
        }
    }

    private bool TryTrack(int index)
    {
        if (index is < 0 or >= MaxBlocks)
        {
            return false;
        }
        if (index >= _kinds.Length)
        {
            Array.Resize(ref _kinds, Math.Max(index + 1, _kinds.Length * 2));
            Array.Resize(ref _toolIndexes, _kinds.Length);
        }
        return true;
    }

    private ProviderError? OnDelta(ref Utf8JsonReader reader, IStreamEventSink sink)
    {
        var index = -1;
        var kind = DeltaKind.None;
        scoped ReadOnlySpan<byte> value = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("contentBlockIndex"u8))
            {
                reader.Read();
                index = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number) ? number : -1;
            }
            else if (reader.ValueTextEquals("delta"u8))
            {
                reader.Read();
                value = ReadDelta(ref reader, out kind);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (!TryTrack(index))
        {
            return ProviderError.Invalid($"a content block index of {index}");
        }
        EnsureStarted(sink);
        switch (kind, _kinds[index])
        {
            case (DeltaKind.Text, _):
                sink.TextDelta(value);
                break;
            case (DeltaKind.Reasoning, _):
                sink.ReasoningDelta(value);
                break;
            case (DeltaKind.Signature, _):
                sink.ReasoningSignature(value);
                break;
            case (DeltaKind.ToolInput, BlockKind.ToolUse) when !value.IsEmpty:
                sink.ToolCallArgumentsDelta(_toolIndexes[index], value);
                break;
            case (DeltaKind.ToolInput, BlockKind.JsonAnswer):
                sink.TextDelta(value);
                break;
            case (DeltaKind.ToolInput, BlockKind.Content):
                return ProviderError.Invalid($"tool input for content block {index}, which started no tool use");
        }
        return null;
    }
}
