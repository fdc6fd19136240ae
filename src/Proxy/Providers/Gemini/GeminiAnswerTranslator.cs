using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Providers.OpenAI;
using LlmProxy.Streaming;

namespace LlmProxy.Providers.Gemini;

/// <summary>
/// Reads Gemini answers into canonical events. A body and every event of <c>streamGenerateContent?alt=sse</c> are
/// the same <c>GenerateContentResponse</c>: <c>candidates[0].content.parts</c> (text, thought text, function calls
/// sent whole), a <c>finishReason</c> on the last one, and <c>usageMetadata</c>. Gemini streams have no end marker
/// but the finish reason, so a stream that ends without one was cut off. Function calls get proxy-minted ids that
/// carry their thought signature (<see cref="GeminiToolCallIds"/>).
/// </summary>
internal sealed class GeminiAnswerTranslator(long createdUnixSeconds, string requestedModel = "") : SseAnswerTranslator
{
    private readonly JsonStringReader _strings = new();
    private bool _started;
    private string? _id;
    private string? _model;
    private int _toolCount;


    public override ProviderError? TranslateEvent(in SseEvent sseEvent, IStreamEventSink sink) => Translate(sseEvent.Data, sink);

    public override ProviderError? TranslateBody(ReadOnlySpan<byte> body, IStreamEventSink sink)
    {
        var error = Translate(body, sink);
        if (error is null && !Finished)
        {
            // A body without a finish reason (a prompt blocked before any candidate) is still a whole answer.
            EnsureStarted(sink);
            sink.Finish(FinishReason.ContentFilter);
            Finished = true;
        }
        return error;
    }

    private ProviderError? Translate(ReadOnlySpan<byte> json, IStreamEventSink sink)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ProviderError.Invalid("data that is not a JSON object");
            }
            FinishReason? finish = null;
            TokenUsage? usage = null;
            if (!_started)
            {
                // The answer's id and model follow its candidates; the first chunk is read for them before it starts the answer.
                ReadIdentity(json);
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("candidates"u8))
                {
                    reader.Read();
                    if (ReadCandidates(ref reader, json, sink, ref finish) is { } error)
                    {
                        return error;
                    }
                }
                else if (reader.ValueTextEquals("usageMetadata"u8))
                {
                    reader.Read();
                    usage = ReadUsage(ref reader);
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    return OpenAIErrorMapper.Map(500, json, null);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (finish is { } reason)
            {
                EnsureStarted(sink);
                // Gemini says STOP after function calls; clients expect to be told to run the tools.
                sink.Finish(reason == FinishReason.Stop && _toolCount > 0 ? FinishReason.ToolCalls : reason);
                Finished = true;
            }
            if (usage is { } tokens)
            {
                EnsureStarted(sink);
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

    private void ReadIdentity(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals("responseId"u8) ? 1 : reader.ValueTextEquals("modelVersion"u8) ? 2 : 0;
            reader.Read();
            if (field > 0 && reader.TokenType == JsonTokenType.String)
            {
                if (field == 1)
                {
                    _id = reader.GetString();
                }
                else
                {
                    _model = reader.GetString();
                }
            }
            reader.Skip();
        }
    }


    private void EnsureStarted(IStreamEventSink sink)
    {
        if (!_started)
        {
            _started = true;
            sink.Start(new StreamStart(_id ?? "gemini-" + Guid.NewGuid().ToString("N"), _model ?? requestedModel, createdUnixSeconds)); // modelVersion is optional
        }
    }

    private ProviderError? ReadCandidates(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, IStreamEventSink sink, ref FinishReason? finish)
    {
        if (!JsonFirstElement.TryEnter(ref reader))
        {
            return null;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                if (ReadContent(ref reader, json, sink) is { } error)
                {
                    return error;
                }
            }
            else if (reader.ValueTextEquals("finishReason"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    return ProviderError.Invalid("a finish reason that is not a string");
                }
                finish = GeminiFinishReasons.Parse(reader.ValueSpan);
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

    private ProviderError? ReadContent(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, IStreamEventSink sink)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isParts = reader.ValueTextEquals("parts"u8);
            reader.Read();
            if (!isParts || reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }
            EnsureStarted(sink);
            while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                if (ReadPart(ref reader, json, sink) is { } error)
                {
                    return error;
                }
            }
        }
        return null;
    }

    /// <summary>One part: text (a thought when <c>thought</c> is true) or a whole function call, in any member order.</summary>
    private ProviderError? ReadPart(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, IStreamEventSink sink)
    {
        scoped ReadOnlySpan<byte> text = default;
        var hasText = false;
        var thought = false;
        string? name = null, signature = null;
        scoped ReadOnlySpan<byte> args = default;
        var isCall = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    return ProviderError.Invalid("a text part that is not a string");
                }
                text = _strings.Read(ref reader);
                hasText = true;
            }
            else if (reader.ValueTextEquals("thought"u8))
            {
                reader.Read();
                thought = reader.TokenType == JsonTokenType.True;
            }
            else if (reader.ValueTextEquals("thoughtSignature"u8))
            {
                reader.Read();
                signature = reader.GetString();
            }
            else if (reader.ValueTextEquals("functionCall"u8))
            {
                reader.Read();
                isCall = true;
                args = ReadFunctionCall(ref reader, json, ref name);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (isCall)
        {
            if (name is null)
            {
                return ProviderError.Invalid("a function call without a name");
            }
            var index = _toolCount++;
            sink.ToolCallStart(index, GeminiToolCallIds.Mint(signature), name);
            sink.ToolCallArgumentsDelta(index, args.IsEmpty ? "{}"u8 : JsonStringReader.ValidUtf8(args));
        }
        else if (hasText && !text.IsEmpty)
        {
            if (thought)
            {
                sink.ReasoningDelta(text);
            }
            else
            {
                sink.TextDelta(text);
            }
        }
        return null;
    }

    /// <summary>Reads a functionCall object: its name, and its <c>args</c> object returned as raw JSON.</summary>
    private static ReadOnlySpan<byte> ReadFunctionCall(scoped ref Utf8JsonReader reader, ReadOnlySpan<byte> json, ref string? name)
    {
        ReadOnlySpan<byte> args = default;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return args;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                name = reader.GetString();
            }
            else if (reader.ValueTextEquals("args"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                args = json[start..(int)reader.BytesConsumed];
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return args;
    }

    // promptTokenCount includes cached content; candidatesTokenCount excludes thoughts, which are billed as output.
    private static TokenUsage ReadUsage(ref Utf8JsonReader reader)
    {
        long prompt = 0, candidates = 0, cached = 0, thoughts = 0;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return default;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals("promptTokenCount"u8) ? 1 : reader.ValueTextEquals("candidatesTokenCount"u8) ? 2
                : reader.ValueTextEquals("cachedContentTokenCount"u8) ? 3 : reader.ValueTextEquals("thoughtsTokenCount"u8) ? 4 : 0;
            reader.Read();
            var value = field > 0 && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var count) ? count : 0;
            reader.Skip();
            switch (field)
            {
                case 1: prompt = value; break;
                case 2: candidates = value; break;
                case 3: cached = value; break;
                case 4: thoughts = value; break;
            }
        }
        return new TokenUsage(prompt, candidates + thoughts, cached, 0, thoughts);
    }
}
