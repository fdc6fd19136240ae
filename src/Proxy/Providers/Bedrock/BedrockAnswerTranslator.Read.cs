using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Streaming;

namespace LlmProxy.Providers.Bedrock;

internal sealed partial class BedrockAnswerTranslator
{
    private enum DeltaKind : byte
    {
        None,
        Text,
        ToolInput,
        Reasoning,
        Signature,
    }

    /// <summary>A delta: <c>{"text"}</c>, <c>{"toolUse":{"input"}}</c> or <c>{"reasoningContent":{"text"|"signature"}}</c>; its string returned unescaped.</summary>
    private ReadOnlySpan<byte> ReadDelta(scoped ref Utf8JsonReader reader, out DeltaKind kind)
    {
        kind = DeltaKind.None;
        ReadOnlySpan<byte> value = default;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return value;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                kind = DeltaKind.Text;
                value = _strings.Read(ref reader);
            }
            else if (reader.ValueTextEquals("toolUse"u8) || reader.ValueTextEquals("reasoningContent"u8))
            {
                var toolUse = reader.ValueTextEquals("toolUse"u8);
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var inner = toolUse && reader.ValueTextEquals("input"u8) ? DeltaKind.ToolInput
                        : !toolUse && reader.ValueTextEquals("text"u8) ? DeltaKind.Reasoning
                        : !toolUse && reader.ValueTextEquals("signature"u8) ? DeltaKind.Signature
                        : DeltaKind.None;
                    reader.Read();
                    if (inner != DeltaKind.None && reader.TokenType == JsonTokenType.String)
                    {
                        kind = inner;
                        value = _strings.Read(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return value;
    }

    private void OnStop(ref Utf8JsonReader reader, IStreamEventSink sink)
    {
        var reason = FinishReason.Stop;
        string? stopSequence = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("stopReason"u8))
            {
                reader.Read();
                reason = reader.TokenType == JsonTokenType.String ? ParseStopReason(reader.ValueSpan) : reason;
            }
            else if (reader.ValueTextEquals("additionalModelResponseFields"u8))
            {
                reader.Read();
                stopSequence = ReadStopSequence(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        EnsureStarted(sink);
        sink.Finish(FinalReason(reason), stopSequence);
        _stopped = true;
    }

    /// <summary>Claude's <c>stop_sequence</c> in <c>additionalModelResponseFields</c>, there when the request asked for it.</summary>
    private static string? ReadStopSequence(ref Utf8JsonReader reader)
    {
        string? stopSequence = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isStopSequence = reader.ValueTextEquals("stop_sequence"u8);
            reader.Read();
            if (isStopSequence && reader.TokenType == JsonTokenType.String)
            {
                stopSequence = reader.GetString();
            }
            reader.Skip();
        }
        return stopSequence;
    }

    private void OnMetadata(ref Utf8JsonReader reader, IStreamEventSink sink)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isUsage = reader.ValueTextEquals("usage"u8);
            reader.Read();
            if (isUsage && reader.TokenType == JsonTokenType.StartObject)
            {
                EnsureStarted(sink);
                sink.ReportUsage(ReadUsage(ref reader));
            }
            else
            {
                reader.Skip();
            }
        }
        Finished = true;
    }

    // Like Anthropic's, Converse's inputTokens leaves out cache reads and writes; the canonical input includes them.
    private static TokenUsage ReadUsage(ref Utf8JsonReader reader)
    {
        long input = 0, output = 0, cacheRead = 0, cacheWrite = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals("inputTokens"u8) ? 1 : reader.ValueTextEquals("outputTokens"u8) ? 2
                : reader.ValueTextEquals("cacheReadInputTokens"u8) ? 3 : reader.ValueTextEquals("cacheWriteInputTokens"u8) ? 4 : 0;
            reader.Read();
            var value = field > 0 && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var count) ? count : 0;
            reader.Skip();
            switch (field)
            {
                case 1: input = value; break;
                case 2: output = value; break;
                case 3: cacheRead = value; break;
                case 4: cacheWrite = value; break;
            }
        }
        return new TokenUsage(input + cacheRead + cacheWrite, output, cacheRead, cacheWrite);
    }

    private static FinishReason ParseStopReason(ReadOnlySpan<byte> reason) =>
        reason.SequenceEqual("max_tokens"u8) || reason.SequenceEqual("model_context_window_exceeded"u8) ? FinishReason.Length
        : reason.SequenceEqual("tool_use"u8) ? FinishReason.ToolCalls
        : reason.SequenceEqual("stop_sequence"u8) ? FinishReason.StopSequence
        : reason.SequenceEqual("guardrail_intervened"u8) || reason.SequenceEqual("content_filtered"u8) ? FinishReason.ContentFilter
        : FinishReason.Stop;

    // The forced JSON-answer tool is the answer itself, so stopping "to use" it is a normal stop.
    private FinishReason FinalReason(FinishReason reason) =>
        reason == FinishReason.ToolCalls && _jsonAnswered && _toolCount == 0 ? FinishReason.Stop : reason;

    /// <summary>A Converse body: <c>{"output":{"message":{"content":[...]}},"stopReason","usage"}</c>, content sent before the finish.</summary>
    /// <summary>Nothing: Converse reports usage only in its closing <c>metadata</c> event.</summary>
    public void ReportPartialUsage(IStreamEventSink sink)
    {
    }

    public ProviderError? TranslateBody(ReadOnlySpan<byte> body, IStreamEventSink sink)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ProviderError.Invalid("an answer that is not a JSON object");
            }
            var reason = FinishReason.Stop;
            string? stopSequence = null;
            TokenUsage? usage = null;
            Range output = default;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("stopReason"u8))
                {
                    reader.Read();
                    reason = ParseStopReason(reader.ValueSpan);
                }
                else if (reader.ValueTextEquals("additionalModelResponseFields"u8))
                {
                    reader.Read();
                    stopSequence = ReadStopSequence(ref reader);
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    usage = ReadUsage(ref reader);
                }
                else if (reader.ValueTextEquals("output"u8))
                {
                    reader.Read();
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    output = start..(int)reader.BytesConsumed;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            EnsureStarted(sink);
            if (ReadOutput(body[output], sink) is { } error)
            {
                return error;
            }
            sink.Finish(FinalReason(reason), stopSequence);
            if (usage is { } tokens)
            {
                sink.ReportUsage(tokens);
            }
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

    private ProviderError? ReadOutput(ReadOnlySpan<byte> output, IStreamEventSink sink)
    {
        if (output.IsEmpty)
        {
            return ProviderError.Invalid("an answer without output.message.content");
        }
        using var document = JsonDocument.Parse(output.ToArray());
        if (!document.RootElement.TryGetProperty("message", out var message) || !message.TryGetProperty("content", out var content) ||
            content.ValueKind != JsonValueKind.Array)
        {
            return ProviderError.Invalid("an answer without output.message.content");
        }
        foreach (var block in content.EnumerateArray())
        {
            if (block.TryGetProperty("text", out var text))
            {
                sink.TextDelta(Encoding.UTF8.GetBytes(JsonStringReader.ReadText(text)));
            }
            else if (block.TryGetProperty("toolUse", out var toolUse))
            {
                if (!toolUse.TryGetProperty("name", out var nameJson) || !toolUse.TryGetProperty("toolUseId", out var idJson))
                {
                    return ProviderError.Invalid("a toolUse block without its name or toolUseId");
                }
                var name = JsonStringReader.ReadText(nameJson);
                var input = toolUse.TryGetProperty("input", out var i) ? JsonStringReader.ValidUtf8(JsonMarshal.GetRawUtf8Value(i)) : "{}"u8;
                if (name == jsonToolName)
                {
                    _jsonAnswered = true;
                    sink.TextDelta(input);
                    continue;
                }
                var index = _toolCount++;
                sink.ToolCallStart(index, JsonStringReader.ReadText(idJson), name);
                sink.ToolCallArgumentsDelta(index, input);
            }
            else if (block.TryGetProperty("reasoningContent", out var reasoning) && reasoning.TryGetProperty("reasoningText", out var reasoningText))
            {
                sink.ReasoningDelta(Encoding.UTF8.GetBytes(reasoningText.TryGetProperty("text", out var t) ? JsonStringReader.ReadText(t) : ""));
                if (reasoningText.TryGetProperty("signature", out var signature))
                {
                    sink.ReasoningSignature(Encoding.UTF8.GetBytes(JsonStringReader.ReadText(signature)));
                }
            }
        }
        return null;
    }
}
