using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Streaming;

namespace LlmProxy.Providers.Anthropic;

internal sealed partial class AnthropicAnswerTranslator
{
    /// <summary>
    /// A non-stream answer, <c>{"id","type":"message","model","content":[...],"stop_reason","usage"}</c>: read in two
    /// passes, because its members may come in any order and content must be sent before the finish.
    /// </summary>
    public override ProviderError? TranslateBody(ReadOnlySpan<byte> body, IStreamEventSink sink)
    {
        try
        {
            string id = "", model = "";
            var reason = FinishReason.Stop;
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ProviderError.Invalid("an answer that is not a JSON object");
            }
            ReadMessageHeader(ref reader, ref id, ref model, ref reason);
            sink.Start(new StreamStart(id, model, createdUnixSeconds));
            if (ReadContent(body, sink) is { } error)
            {
                return error;
            }
            sink.Finish(FinalReason(reason), _stopSequence);
            sink.ReportUsage(_usage.ToCanonical());
            Finished = true;
            return null;
        }
        catch (JsonException)
        {
            return ProviderError.Invalid("an answer that is not valid JSON");
        }
        catch (InvalidOperationException)
        {
            return ProviderError.Invalid("an answer with a value of the wrong type");
        }
    }

    private ProviderError? ReadContent(ReadOnlySpan<byte> body, IStreamEventSink sink)
    {
        var reader = new Utf8JsonReader(body);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isContent = reader.ValueTextEquals("content"u8);
            reader.Read();
            if (!isContent || reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }
            var index = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                if (ReadBlock(ref reader, body, index++, sink) is { } error)
                {
                    return error;
                }
            }
        }
        return null;
    }

    private ProviderError? ReadBlock(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, int index, IStreamEventSink sink)
    {
        var kind = BlockKind.Ignored;
        string? id = null, name = null, text = null, signature = null;
        ReadOnlySpan<byte> input = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                kind = ReadBlockKind(ref reader);
            }
            else if (reader.ValueTextEquals("input"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                input = JsonStringReader.ValidUtf8(body[start..(int)reader.BytesConsumed]);
            }
            else
            {
                var field = reader.ValueTextEquals("id"u8) ? 1 : reader.ValueTextEquals("name"u8) ? 2
                    : reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("thinking"u8) ? 3
                    : reader.ValueTextEquals("signature"u8) ? 4 : 0;
                reader.Read();
                var value = field > 0 && reader.TokenType == JsonTokenType.String ? JsonStringReader.ReadText(ref reader) : null;
                reader.Skip();
                switch (field)
                {
                    case 1: id = value; break;
                    case 2: name = value; break;
                    case 3: text = value; break;
                    case 4: signature = value; break;
                }
            }
        }
        if (index >= MaxBlocks)
        {
            return ProviderError.Invalid("more content blocks than an answer has");
        }
        if (OpenBlock(index, kind, id, name, sink) is { } error)
        {
            return error;
        }
        switch (_kinds[index])
        {
            case BlockKind.Text when text is not null:
                sink.TextDelta(System.Text.Encoding.UTF8.GetBytes(text));
                break;
            case BlockKind.Thinking:
                sink.ReasoningDelta(System.Text.Encoding.UTF8.GetBytes(text ?? ""));
                if (signature is not null)
                {
                    sink.ReasoningSignature(System.Text.Encoding.UTF8.GetBytes(signature));
                }
                break;
            case BlockKind.ToolUse:
                sink.ToolCallArgumentsDelta(_toolIndexes[index], input.IsEmpty ? "{}"u8 : input);
                break;
            case BlockKind.JsonAnswer:
                sink.TextDelta(input);
                break;
        }
        return null;
    }
}
